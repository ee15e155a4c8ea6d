// A directive outside the branches is in the schedule of every instruction set; its error
// is reported once, and an error inside one branch is reported too.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.vectorize(z, 8);
        if isa(avx512) {
            out.parallel(w);
        }
    }
}

fn main() {}
