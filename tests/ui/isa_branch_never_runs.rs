// A branch whose instruction sets earlier branches took never runs: a mistake, reported.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        if isa(avx512, avx2) {
            out.vectorize(x, 8);
        } else if isa(avx2) {
            out.vectorize(x, 4);
        }
    }
}

fn main() {}
