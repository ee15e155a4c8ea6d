// A predicate naming a variable of another domain, which the update does not run over.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.nrows());
    let s = rdom(0..a.ncols());
    r.where_(r < s);
    out(i) = 0;
    out(i) += a(r, i);
}

fn main() {}
