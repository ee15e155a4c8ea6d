// Nor can they read an intermediate Func or an inline reduction.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    t(x) = a(x) + 1;
    let r = rdom(0..t(0));
    let q = rdom(0..sum(a(rdom(0..3))));
    out(x) = 0;
    out(x) += a(r) + a(q);
}

fn main() {}
