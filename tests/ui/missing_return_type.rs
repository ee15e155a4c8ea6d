// A kernel must return `Result<(), Error>`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) {
    out(y, x) = a(y, x);
}

fn main() {}
