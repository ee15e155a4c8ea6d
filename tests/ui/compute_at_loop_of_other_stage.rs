// A Func is computed at a loop of the stage that reads it.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    t(x) = a(x) + 1;
    let r = rdom(0..a.len());
    out(x) = t(x);
    out(x) += a(r);
    schedule! {
        t.compute_at(out, r);
    }
}

fn main() {}
