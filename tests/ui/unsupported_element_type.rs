// An unsupported element type on the output: one error, not a second one saying the kernel
// has no output.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<u128>, out: ArrayViewMut1<u128>) -> Result<(), Error> {
    out(i) = a(i);
}

fn main() {}
