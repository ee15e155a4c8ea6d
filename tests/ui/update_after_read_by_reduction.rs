// An inline reduction is a Func of its own: once `g`'s `sum` reads `f`, `f` takes no update.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, f: ArrayViewMut1<i32>, g: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..2);
    f(i) = a(i);
    g(i) = sum(f(i + r)) * 2;
    f(i) += 1;
}

fn main() {}
