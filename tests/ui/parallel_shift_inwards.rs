// A split shifted inwards under a parallel outer loop would make two threads write the same
// elements: a compile error that suggests the guarded tail.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(y, yo, yi, 8, ShiftInwards).parallel(yo);
    }
}

fn main() {}
