// An integer literal that does not fit the type it takes (`300` as `u8`).
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    brighter(y, x) = a(y, x) + 300;
}

fn main() {}
