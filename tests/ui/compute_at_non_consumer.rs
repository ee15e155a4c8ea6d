// `compute_at` a Func that does not read the scheduled one.
use halite::prelude::*;

#[kernel]
pub fn k(
    a: ArrayView2<f32>,
    out: ArrayViewMut2<f32>,
    copy: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    copy(y, x) = a(y, x);
    schedule! {
        blur_y.compute_at(copy, y);
    }
}

fn main() {}
