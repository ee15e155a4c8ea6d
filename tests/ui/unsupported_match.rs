// `match` is not a kernel expression (use `if .. else`).
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    nonzero(y, x) = match a(y, x) {
        0 => 1,
        v => v,
    };
}

fn main() {}
