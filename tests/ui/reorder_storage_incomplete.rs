// `reorder_storage` that does not name every pure variable.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        blur_y.compute_root().reorder_storage(x);
    }
}

fn main() {}
