// A schedule directive that does not exist.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * 2.0;
    out(y, x) = t(y, x) + 1.0;
    schedule! {
        t.compute_everywhere();
    }
}

fn main() {}
