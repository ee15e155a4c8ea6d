// Calling a 2-D input with three indices.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    t(y, x) = a(y, x, 0);
}

fn main() {}
