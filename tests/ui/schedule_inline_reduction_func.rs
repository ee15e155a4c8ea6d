// A Func with updates cannot be inlined.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    s(y) = 0.0;
    s(y) += a(y, r);
    out(y) = s(y) * 2.0;
    schedule! {
        s.compute_inline();
    }
}

fn main() {}
