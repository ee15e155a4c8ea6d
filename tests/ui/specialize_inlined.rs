// An inlined Func has no loops of its own: specializing it would change nothing.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * 2.0;
    out(y, x) = t(y, x) + 1.0;
    schedule! {
        t.specialize(a.ncols() >= 64).vectorize(x, 16);
    }
}

fn main() {}
