// A reduction loop that carries a dependence cannot be vectorized.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
    schedule! {
        out.update(0).vectorize(r, 8);
    }
}

fn main() {}
