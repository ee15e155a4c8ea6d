// A producer is cloned once per consumer.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    g(x) = f(x) + 1.0;
    out(x) = g(x) + f(x);
    schedule! {
        f.clone_in(g).compute_root();
        f.clone_in(g);
    }
}

fn main() {}
