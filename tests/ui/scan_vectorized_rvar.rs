// A scan's reduction loop vectorized: the hint is a pure variable (rfactor does not apply to a
// scan).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let r = rdom(1..a.ncols());
    out(y, x) = a(y, x);
    out(y, r) = out(y, r - 1) + a(y, r);
    schedule! {
        out.update(0).vectorize(r, 8);
    }
}

fn main() {}
