// `fuse` of two loops that are not adjacent.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView3<f32>, out: ArrayViewMut3<f32>) -> Result<(), Error> {
    out(z, y, x) = a(z, y, x) * 2.0;
    schedule! {
        out.fuse(z, x, zx);
    }
}

fn main() {}
