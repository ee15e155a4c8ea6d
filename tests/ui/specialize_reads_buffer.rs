// A specialization condition is evaluated before anything is read: no buffer values in it.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.specialize(a(0, 0) > 1.0).vectorize(x, 8);
    }
}

fn main() {}
