// A `let` binding that refers to itself.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let t = t * 2.0;
    out(y, x) = a(y, x);
    u(y, x) = t;
}

fn main() {}
