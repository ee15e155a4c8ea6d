// `clone_in` names the copy `f_clone_in_g`, which is already a Func of the kernel.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    f_clone_in_g(x) = a(x) + 1.0;
    g(x) = f(x) + f_clone_in_g(x);
    out(x) = g(x) + f(x);
    schedule! {
        g.compute_root();
        f.clone_in(g).compute_root();
    }
}

fn main() {}
