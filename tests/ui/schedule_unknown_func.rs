// The schedule names a Func that the kernel does not define.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_x(y, x) = a(y, x) + a(y, x + 1);
    out(y, x) = blur_x(y, x);
    schedule! {
        blur_y.compute_root();
    }
}

fn main() {}
