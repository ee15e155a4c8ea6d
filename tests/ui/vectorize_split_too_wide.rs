// `vectorize(xi)` without a size takes the extent of `xi`, here a split's factor of 128: wider
// than any vector.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(x, xo, xi, 128).vectorize(xi);
    }
}

fn main() {}
