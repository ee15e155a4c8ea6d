// Items (here a helper fn) are not allowed in a kernel body.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    fn helper(v: f32) -> f32 {
        v * 2.0
    }
    out(y, x) = a(y, x);
}

fn main() {}
