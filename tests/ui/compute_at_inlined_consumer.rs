// `compute_at` a loop of a Func that is inlined (it has no loops).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    f(y, x) = a(y, x) * 2.0;
    g(y, x) = f(y, x) + f(y + 1, x);
    out(y, x) = g(y, x) + g(y, x + 1);
    schedule! {
        f.compute_at(g, x);
    }
}

fn main() {}
