// A specialization that fuses away the loop a producer is computed at: the error says which
// version lacks it.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * 2.0;
    out(y, x) = t(y, x) + 1.0;
    schedule! {
        out.specialize(a.ncols() >= 64).fuse(y, x, yx);
        t.compute_at(out, x);
    }
}

fn main() {}
