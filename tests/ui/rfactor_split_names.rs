// A split consumed by rfactor needs two new, distinct loop names.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, r);
    schedule! {
        out.update(0).split(r, ro, ro, 4);
        let intm = out.update(0).rfactor(ro, u);
    }
}

fn main() {}
