// A computed index with no useful bound must be clamped.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    hist(i) = 0;
    hist(a(r) as i32) += 1;
}

fn main() {}
