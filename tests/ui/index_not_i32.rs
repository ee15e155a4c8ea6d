// Indices are `i32`: a `u16` value must be cast before it indexes a Func.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(
    idx: ArrayView1<u16>,
    table: ArrayView1<f32>,
    out: ArrayViewMut1<f32>,
) -> Result<(), Error> {
    out(x) = table(x);
    looked_up(x) = table(idx(x));
}

fn main() {}
