// `nrows()` on a view that is not 2-D: the message names the axis form.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView3<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(0, 0, x) * a.nrows() as f32;
}

fn main() {}
