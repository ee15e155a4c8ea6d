// Defining a Func twice (an update definition) is not implemented yet.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    out(y, x) = a(y, x) * 2.0;
}

fn main() {}
