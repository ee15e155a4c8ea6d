// `f.clone_in(g)` gives `g` its own copy of `f`: `g` must read `f`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    g(x) = f(x) + 1.0;
    h(x) = a(x) - 1.0;
    out(x) = g(x) + h(x);
    schedule! {
        f.clone_in(h).compute_root();
    }
}

fn main() {}
