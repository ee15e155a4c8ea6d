// Indices are `i32`: `usize` is not a type of kernel values.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, idx: ArrayView1<u8>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(idx(x) as usize);
}

fn main() {}
