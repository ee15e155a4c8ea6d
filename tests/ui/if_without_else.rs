// An `if` in a kernel selects a value, so it needs an `else` branch.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    positive(y, x) = if a(y, x) > 0.0 {
        a(y, x)
    };
}

fn main() {}
