// `g[e]` names the Func `g_{e}`: the index is a constant >= 0.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f[0](x) = a(x);
    for j in 0..2 {
        f[j + 1](x) = f[j - 1](x) * 2.0;
    }
    out(x) = f[2](x);
}

fn main() {}
