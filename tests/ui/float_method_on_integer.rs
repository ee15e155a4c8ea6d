// `sqrt` is a float-only method: calling it on a `u8` is rejected.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    root(y, x) = a(y, x).sqrt();
}

fn main() {}
