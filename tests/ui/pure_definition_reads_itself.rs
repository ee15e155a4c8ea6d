// A pure definition cannot read its own Func: recurrences are update definitions.
use halite::prelude::*;

#[kernel]
pub fn k(input: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = f(x - 1) + input(x);
    out(x) = f(x);
}

fn main() {}
