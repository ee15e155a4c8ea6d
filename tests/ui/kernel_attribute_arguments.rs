// `#[kernel]` takes no arguments but `fma`.
use halite::prelude::*;

#[kernel(fast)]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
}

fn main() {}
