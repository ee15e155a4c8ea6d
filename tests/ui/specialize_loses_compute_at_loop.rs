// An error that only a specialized version has names the version: a specialization that fuses
// away the loop a producer is computed at; with two specialized stages, the version named is
// the one that takes only the specialization at fault.
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

#[kernel]
fn two(a: ArrayView2<f32>, out: ArrayViewMut2<f32>, out2: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    out2(y, x) = a(y, x) + 1.0;
    schedule! {
        out.specialize(a.ncols() >= 64).vectorize(x, 8);
        out2.vectorize(x, 8);
        out2.specialize(a.nrows() >= 64).split(x_vec, xo, xi, 2);
    }
}

fn main() {}
