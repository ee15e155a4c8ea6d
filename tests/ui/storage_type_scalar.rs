// `f16` is a storage type: a scalar parameter must be `f32` or `f64`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, gain: f16, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
}

fn main() {}
