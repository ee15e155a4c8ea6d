// A split whose outer and inner loops have the same name.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        out.split(x, xi, xi, 8);
    }
}

fn main() {}
