// A Func named `g_1` next to the family `g[..]`: `g[1]` is the Func `g_1`, so the second
// definition would silently be an update of the first.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    g_1(x) = a(x) * 3;
    g[0](x) = a(x);
    for j in 1..2 {
        g[j](x) = g[j - 1](x) + 1;
    }
    out(x) = g_1(x) * 100 + g[1](x);
}

fn main() {}
