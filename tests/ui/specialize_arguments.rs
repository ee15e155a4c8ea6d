// specialize takes one condition.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
    schedule! {
        out.specialize().vectorize(y, 8);
    }
}

fn main() {}
