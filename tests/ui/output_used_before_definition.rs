// An output read by a Func defined above the output's own definition.
use halite::prelude::*;

// `twice` is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    twice(y, x) = out(y, x) * 2.0;
    out(y, x) = a(y, x);
}

fn main() {}
