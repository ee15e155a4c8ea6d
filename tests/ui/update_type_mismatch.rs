// An update gives the Func its own type.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<u8>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = 0.0;
    out(y, x) += a(y, x);
}

fn main() {}
