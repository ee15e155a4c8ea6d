// A parameter type that is neither a view nor a scalar (`Vec<f32>`).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, weights: Vec<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
}

fn main() {}
