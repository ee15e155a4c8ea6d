// A float literal cannot be used where an integer is needed.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    half_up(y, x) = a(y, x) + 0.5;
}

fn main() {}
