// Where a Func is computed is shared by every version: only loop directives follow `specialize`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * 2.0;
    out(y, x) = t(y, x) + 1.0;
    schedule! {
        t.specialize(a.ncols() >= 64).compute_root();
    }
}

fn main() {}
