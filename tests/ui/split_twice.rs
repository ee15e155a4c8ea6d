// Splitting a loop that an earlier split already replaced.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        out.split(x, xo, xi, 4).split(x, xa, xb, 2);
    }
}

fn main() {}
