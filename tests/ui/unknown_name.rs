// An expression mentions a name that is not a variable, a parameter or a `let` binding.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    scaled(y, x) = a(y, x) * gain;
}

fn main() {}
