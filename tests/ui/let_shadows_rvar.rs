// A `let` with the name of a reduction variable (it would be ignored where the domain's
// variable is meant).
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    let r = 1;
    out(x) = 0;
    out(x) += a(r);
}

fn main() {}
