// An inline reduction needs a reduction variable in its argument.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    total(y) = sum(a(y, 0));
}

fn main() {}
