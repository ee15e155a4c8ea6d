// `store_nontemporal()` on an intermediate (its consumers read it back), or with arguments.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        blur_y.compute_root().vectorize(x, 8).store_nontemporal();
        out.vectorize(x, 8).store_nontemporal(true);
    }
}

fn main() {}
