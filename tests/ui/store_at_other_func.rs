// Storage is placed at a loop of the Func a producer is computed in (a different Func's loop,
// even one around it, is not supported): the error says which Func to name.
use halite::prelude::*;

#[kernel]
pub fn k(input: ArrayView2<u16>, out: ArrayViewMut2<u32>) -> Result<(), Error> {
    bx(y, x) = input(y, x) as u32 + input(y, x + 1) as u32;
    by(y, x) = bx(y, x) + bx(y + 1, x);
    out(y, x) = by(y, x) * 2;
    schedule! {
        by.compute_at(out, y);
        bx.store_at(out, y).compute_at(by, x);
    }
}

fn main() {}
