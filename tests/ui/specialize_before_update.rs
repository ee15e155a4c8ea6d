// update(k) names the stage before it is specialized.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
    schedule! {
        out.specialize(a.ncols() > 8).update(0).vectorize(y, 8);
    }
}

fn main() {}
