// A specialization is not specialized again: its conditions are combined with `&&`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.specialize(a.ncols() >= 64).specialize(a.nrows() >= 64).vectorize(x, 16);
    }
}

fn main() {}
