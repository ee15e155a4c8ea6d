// A vectorized loop split again (here by a second `vectorize` with a size in a
// specialization): its outer part would stay the vector loop, outside the inner one.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(x, xo, xi, 16).vectorize(xi);
        out.specialize(out.ncols() >= 64).vectorize(xi, 8);
    }
}

fn main() {}
