// `unroll(v, n)` copies the body `n` times: at most 64.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(i) = a(i) * 2.0;
    schedule! {
        out.unroll(i, 10000);
    }
}

fn main() {}
