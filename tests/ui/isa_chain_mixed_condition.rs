// Every condition of an `if isa(..)` chain names instruction sets.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        if isa(avx512) {
            out.vectorize(x, 16);
        } else if 1 > 0 {
            out.vectorize(x, 8);
        }
    }
}

fn main() {}
