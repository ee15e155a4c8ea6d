// A boundary condition applies to an input, not to an output.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let padded = repeat_edge(out);
    out(y, x) = a(y, x);
}

fn main() {}
