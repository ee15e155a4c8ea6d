// A kernel `for` loop variable used as a pure variable: the loop replaces it by its value.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    for x in 0..1 {
        f[x](x) = a(x) + 1;
    }
    out(y) = f[0](y);
}

fn main() {}
