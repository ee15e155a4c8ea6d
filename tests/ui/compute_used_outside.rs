// `compute_at` a loop of one consumer when another consumer reads it too.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    f(y, x) = a(y, x) * 2.0;
    g(y, x) = f(y, x) + f(y + 1, x);
    out(y, x) = g(y, x) + f(y, x);
    schedule! {
        g.compute_root();
        f.compute_at(g, y);
    }
}

fn main() {}
