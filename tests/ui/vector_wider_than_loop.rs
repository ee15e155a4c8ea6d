// A vector width wider than the loop it vectorizes (a split of 4) is a compile error.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(x, xo, xi, 4).vectorize(xi, 8);
    }
}

fn main() {}
