// `f16` is a storage type: arithmetic on it needs a cast to `f32` first.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f16>, b: ArrayView2<f16>, out: ArrayViewMut2<f16>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    total(y, x) = a(y, x) + b(y, x);
}

fn main() {}
