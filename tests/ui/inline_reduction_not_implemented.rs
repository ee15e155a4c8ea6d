// Inline reductions (`sum`) are not implemented yet.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    total(y) = sum(a(y, 0));
}

fn main() {}
