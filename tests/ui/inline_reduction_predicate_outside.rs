// A predicate that couples a variable of the reduction with one its argument does not use.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..a.nrows(), 0..a.ncols());
    rx.where_(rx <= ry);
    out(i) = sum(a(i, rx));
}

fn main() {}
