// A predicate must come before the first definition that runs over its domain.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    out(y) = 0.0;
    out(y) += a(r);
    r.where_(a(r) > 0.0);
}

fn main() {}
