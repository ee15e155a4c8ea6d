// One `if isa(..)` chain names every case; a branch does not hold another.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        if isa(avx512, avx2) {
            out.vectorize(x, 8);
            if isa(avx2) {
                out.parallel(y);
            }
        }
    }
}

fn main() {}
