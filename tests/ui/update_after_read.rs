// A Func read by another Func is final from then on: `g` reads `f`, so `f` takes no update
// after `g`'s definition (the update would read `g`, which reads `f`).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, f: ArrayViewMut1<i32>) -> Result<(), Error> {
    f(i) = a(i);
    g(i) = f(i) * 2;
    f(i) = f(i) + g(i);
}

fn main() {}
