// A pure definition's arguments are variables, not expressions: `f(x + 1) = ..` is rejected.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x);
    shifted(x + 1) = a(x);
}

fn main() {}
