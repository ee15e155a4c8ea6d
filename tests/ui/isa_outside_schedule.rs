// `if isa(..)` chooses directives, so it belongs in `schedule!`, not in the algorithm.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    if isa(avx2) {
        out(y, x) = a(y, x) * 2.0;
    }
}

fn main() {}
