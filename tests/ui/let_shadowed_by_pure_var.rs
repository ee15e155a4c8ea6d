// A pure variable with the name of a `let` binding would hide the binding.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let x = 1000;
    let t = x * 2;
    out(x) = a(x) + t;
}

fn main() {}
