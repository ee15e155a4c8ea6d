// A prefix sum reads what the previous iteration of its reduction wrote: running the inner
// half of a split reduction loop outside its outer half would read values not yet summed.
use halite::prelude::*;

#[kernel]
pub fn prefix(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(1..a.len());
    out(x) = a(x);
    out(r) = out(r) + out(r - 1);

    schedule! {
        out.update(0).split(r, ro, ri, 4).reorder(ri, ro);
    }
}

fn main() {}
