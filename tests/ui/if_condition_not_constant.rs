// An `if` statement in a kernel chooses statements at compile time: its condition must be
// constant. A per-element choice is an `if` expression on the right of a definition.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, n: i32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    if n > 2 {
        out(x) = a(x) * 2.0;
    } else {
        out(x) = a(x);
    }
}

fn main() {}
