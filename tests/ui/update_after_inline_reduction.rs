// A Func defined by an inline reduction has that reduction as its update 0: the update written
// after it is `update(1)`, and the error for `update(0)` says where `r2` is.
use halite::prelude::*;

#[kernel]
fn k(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let r1 = rdom(0..3);
    let r2 = rdom(0..2);
    g(y, x) = maximum(input(y, x + r1));
    g(y, x) -= input(y + r2, x);
    out(y, x) = g(y, x);
    schedule! {
        g.compute_root();
        g.update(0).split(r2, r2o, r2i, 2);
    }
}

fn main() {}
