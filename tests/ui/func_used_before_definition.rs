// A Func must be defined before it is used.
use halite::prelude::*;

// `early` is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    early(y, x) = late(y, x) * 0.5;
    late(y, x) = a(y, x) + a(y, x + 1);
}

fn main() {}
