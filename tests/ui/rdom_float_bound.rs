// The bounds of a reduction domain are i32.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, n: f32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..n);
    out(y) = 0.0;
    out(y) += a(y, r);
}

fn main() {}
