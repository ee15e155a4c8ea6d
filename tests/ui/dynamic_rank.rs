// Views of dynamic rank (`IxDyn`) are not supported.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView<f32, IxDyn>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = 1.0;
}

fn main() {}
