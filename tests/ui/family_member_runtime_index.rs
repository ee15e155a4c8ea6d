// A Func family member is chosen while the kernel compiles: its index must be a constant.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, n: i32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    for j in 0..2 {
        g[j](x) = a(x) * (j as f32);
    }
    out(x) = g[n](x);
}

fn main() {}
