// An input cannot be defined.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    a(y, x) = 0.0;
    out(y, x) = 1.0;
}

fn main() {}
