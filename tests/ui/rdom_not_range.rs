// rdom takes ranges.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
}

fn main() {}
