// A kernel `for` repeats statements at compile time: its range must be constant.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, n: i32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f[0](x) = a(x);
    for j in 1..n {
        f[j](x) = f[j - 1](x) * 2.0;
    }
    out(x) = f[0](x);
}

fn main() {}
