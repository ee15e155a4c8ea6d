// A predicate's names other than reduction variables, parameters and bindings must be pure
// variables of each definition that uses the domain.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    r.where_(r <= x);
    out(y) = sum(a(y, r));
}

fn main() {}
