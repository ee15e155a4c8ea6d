// A reduction loop that carries a dependence cannot run in parallel.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) += a(i, k) * b(k, j);
    schedule! {
        c.update(0).parallel(k);
    }
}

fn main() {}
