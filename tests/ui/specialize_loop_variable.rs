// A specialization condition is evaluated once, before any loop runs.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.specialize(x > 3).vectorize(x, 8);
    }
}

fn main() {}
