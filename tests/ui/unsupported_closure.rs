// A closure is not a kernel expression.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    doubled(y, x) = (|v: f32| v * 2.0)(a(y, x));
}

fn main() {}
