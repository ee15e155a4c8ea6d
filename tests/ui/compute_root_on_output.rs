// Outputs are always computed at root: `compute_root()` on an output is rejected.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.compute_root();
    }
}

fn main() {}
