// A kernel `for` binds one loop variable.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f[0](x) = a(x);
    for (i, j) in 1..3 {
        f[i](x) = f[j](x);
    }
    out(x) = f[0](x);
}

fn main() {}
