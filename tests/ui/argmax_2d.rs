// argmax needs a one-dimensional domain.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..a.nrows(), 0..a.ncols());
    out(i) = argmax(a(ry, rx)) + i;
}

fn main() {}
