// A kernel `for` is repeated statements, not a run-time loop: it has no label.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f[0](x) = a(x);
    'levels: for j in 1..3 {
        f[j](x) = f[j - 1](x);
    }
    out(x) = f[2](x);
}

fn main() {}
