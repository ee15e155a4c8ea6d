// Reduction domains (`rdom`) are not implemented yet.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = a(y, 0);
}

fn main() {}
