// A predicate is a bool.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    r.where_(r + 1);
    out(y) = 0.0;
    out(y) += a(y, r);
}

fn main() {}
