// A kernel cannot be generic over types.
use halite::prelude::*;

#[kernel]
pub fn k<T>(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
}

fn main() {}
