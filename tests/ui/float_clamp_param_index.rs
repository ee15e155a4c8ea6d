// A float clamp whose bounds are parameters does not bound an index: a parameter may be NaN,
// and `x.clamp(NaN, hi)` is `x` below `hi`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, lo: f32, hi: f32, table: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(i) = table(a(i).clamp(lo, hi) as i32);
}

fn main() {}
