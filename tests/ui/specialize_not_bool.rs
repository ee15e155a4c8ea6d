// A specialization condition is a `bool`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.specialize(a.ncols() % 16).vectorize(x, 16);
    }
}

fn main() {}
