// A pure variable cannot be part of a computed index.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let r = rdom(0..4);
    out(y, x) = a(y, x);
    out(y, y + r) += 1.0;
}

fn main() {}
