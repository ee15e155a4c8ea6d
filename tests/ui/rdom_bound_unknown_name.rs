// The bounds of a reduction domain use parameters and extents, not variables.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    let q = rdom(0..r);
    let s = rdom(0..x);
    out(x) = 0.0;
    out(x) += a(r) + a(q) + a(s);
}

fn main() {}
