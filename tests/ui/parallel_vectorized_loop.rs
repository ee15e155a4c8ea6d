// A loop runs one way: parallelizing a vectorized loop is a compile error.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.vectorize(x, 8).parallel(x_vec);
    }
}

fn main() {}
