// rfactor takes a reduction variable and a new pure variable.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
    schedule! {
        let intm = out.update(0).rfactor(r);
    }
}

fn main() {}
