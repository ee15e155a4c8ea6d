// `let (a, b) = (..)` needs one value per name.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let (s, t) = (2.0, 3.0, 4.0);
    out(y, x) = a(y, x) * s + t;
}

fn main() {}
