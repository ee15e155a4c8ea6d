// A pure variable of the Func that an update does not bind (it is not the whole index at
// its own position).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    out(y, x + 1) += 1;
}

fn main() {}
