// Calling a name that is neither an input nor a Func.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    sharpened(y, x) = a(y, x) - blurred(y, x);
}

fn main() {}
