// A directive of the design that is not implemented yet (`specialize`) is an error, not a no-op.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.specialize(a.ncols() >= 64);
    }
}

fn main() {}
