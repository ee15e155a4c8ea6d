// `as bool` is not a Rust cast: compare instead.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u8>, out: ArrayViewMut2<bool>) -> Result<(), Error> {
    out(y, x) = a(y, x) != 0;
    flag(y, x) = a(y, x) as bool;
}

fn main() {}
