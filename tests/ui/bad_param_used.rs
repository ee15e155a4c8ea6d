// A parameter of a type the kernel cannot take, used in the body: one error, at the type
// (its uses are not unknown names of their own).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView<f32, IxDyn>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0 + a(x, y);
}

fn main() {}
