// Typed constants are the MAX/MIN of a type and the float constants of std: others are errors.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * f32::GOLDEN;
}

fn main() {}
