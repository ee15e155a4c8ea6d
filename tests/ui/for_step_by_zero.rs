// `step_by` in a kernel `for` range takes a positive constant.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f[0](x) = a(x);
    for j in (1..3).step_by(0) {
        f[j](x) = f[j - 1](x);
    }
    out(x) = f[0](x);
}

fn main() {}
