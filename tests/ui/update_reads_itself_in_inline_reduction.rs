// An inline reduction is a Func of its own: inside an update of `out`, it may not read `out`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..2);
    out(x) = a(x);
    out(x) = out(x) + sum(out((x - r).max(0)));
}

fn main() {}
