// Only intermediates can be cloned: an output is computed once, over its own shape.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    out(x) = f(x) + 1.0;
    schedule! {
        out.clone_in(f);
    }
}

fn main() {}
