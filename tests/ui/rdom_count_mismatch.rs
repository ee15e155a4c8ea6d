// A reduction domain binds one name per range.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..a.ncols());
    out(y) = 0.0;
    out(y) += a(y, ry + rx);
}

fn main() {}
