// The same in an inline reduction.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.nrows());
    let s = rdom(0..a.ncols());
    r.where_(r < s);
    out(i) = sum(a(r, i));
}

fn main() {}
