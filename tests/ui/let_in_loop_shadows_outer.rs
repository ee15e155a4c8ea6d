// A `let` in a kernel `for` loop rebinding a name of the enclosing block: the loop is
// expanded into the kernel's statements, so the binding would not end with the iteration.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let acc = a(x);
    for j in 1..3 {
        let acc = acc + j;
    }
    out(x) = acc;
}

fn main() {}
