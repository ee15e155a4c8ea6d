// An update uses the pure variables its Func's pure definition names, not new ones.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    f(i, j) = a(i, j);
    f(y, x) += y * 10 + x;
    out(y, x) = f(y, x);
}

fn main() {}
