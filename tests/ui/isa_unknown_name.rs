// The instruction sets of `if isa(..)` are avx512, avx2, sse2, neon and scalar.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        if isa(avx) {
            out.vectorize(x, 8);
        }
    }
}

fn main() {}
