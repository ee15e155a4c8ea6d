// A pure variable in an update is a whole index at its own position.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    out(x, y) += 1.0;
}

fn main() {}
