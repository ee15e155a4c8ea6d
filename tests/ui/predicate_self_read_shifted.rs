// A predicate of an update reads the updated Func only at the update's own pure variables:
// row `y` may not test row `y - 1`, which another iteration (or thread) updates.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    let r = rdom(0..out.ncols());
    r.where_(out((y - 1).max(0), r) % 2 == 0);
    out(y, r) = out(y, r) + 1;
}

fn main() {}
