// rfactor regroups a reduction: the update must combine the Func with one associative op.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) = out(y) * 0.5 + a(y, r);
    schedule! {
        let intm = out.update(0).rfactor(r, u);
    }
}

fn main() {}
