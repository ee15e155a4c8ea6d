// `unroll(v)` without a size on a loop with no constant extent.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        out.unroll(x);
    }
}

fn main() {}
