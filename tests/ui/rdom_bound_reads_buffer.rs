// The bounds of a reduction domain cannot read a buffer (they are fixed for the whole call).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a(0));
    out(x) = 0;
    out(x) += a(r);
}

fn main() {}
