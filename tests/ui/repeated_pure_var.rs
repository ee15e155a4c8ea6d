// The arguments of a pure definition must be distinct variables: `f(x, x)` is rejected.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    diag(x, x) = a(x, x);
    out(y, x) = a(y, x) + diag(y, x);
}

fn main() {}
