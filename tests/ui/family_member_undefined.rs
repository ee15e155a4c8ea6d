// Reading a member of a Func family that the loops never define.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let levels = 3;
    f[0](x) = a(x);
    for j in 1..levels {
        f[j](x) = f[j - 1](x) * 2.0;
    }
    out(x) = f[levels](x);
}

fn main() {}
