// `bool as f32` is not a Rust cast.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<bool>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(i) = a(i) as f32;
}

fn main() {}
