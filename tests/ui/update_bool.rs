// Compound updates need numbers.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<bool>) -> Result<(), Error> {
    out(y, x) = a(y, x) > 0.0;
    out(y, x) += true;
}

fn main() {}
