// Every output parameter must be defined in the body.
use halite::prelude::*;

#[kernel]
pub fn k(
    a: ArrayView2<f32>,
    out: ArrayViewMut2<f32>,
    other: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    out(y, x) = a(y, x);
}

fn main() {}
