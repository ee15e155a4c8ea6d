// Unsigned integers have no `abs` in Rust.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<u32>, out: ArrayViewMut1<u32>) -> Result<(), Error> {
    out(i) = a(i).abs();
}

fn main() {}
