// `clone_in` names the consumer that gets the copy: it must be a Func of the kernel.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    out(x) = f(x) + 1.0;
    schedule! {
        f.clone_in(h);
    }
}

fn main() {}
