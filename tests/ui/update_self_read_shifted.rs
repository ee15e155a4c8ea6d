// A self-read keeps the pure variables at their positions.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    out(y, x) = out(y, x - 1) + 1.0;
}

fn main() {}
