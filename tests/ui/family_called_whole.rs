// A Func family is called through one of its members, `g[k](..)`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    for j in 0..2 {
        g[j](x) = a(x) + 1.0;
    }
    out(x) = g(x);
}

fn main() {}
