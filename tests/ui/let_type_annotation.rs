// A `let` in a kernel takes its value's type: no annotation.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<u8>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let t: f32 = a(y, x);
    out(y, x) = t * 2.0;
}

fn main() {}
