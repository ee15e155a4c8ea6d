// A predicate that reduces over its own domain would make the domain depend on itself.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    r.where_(sum(a(r)) > 0.0);
    out(x) = 0.0;
    out(x) += a(r);
}

fn main() {}
