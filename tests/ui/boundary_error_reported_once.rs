// A boundary condition whose exterior value has the wrong type is reported once, at the value;
// its later uses are not errors of their own.
use halite::prelude::*;

#[kernel]
pub fn k(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = constant_exterior(input, 1.5f64);
    out(y, x) = p(y - 1, x) + p(y + 1, x);
}

fn main() {}
