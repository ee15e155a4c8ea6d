// `vectorize(x, 8)` splits `x` into `x` and `x_vec`; doing it again (also in a specialization,
// which starts from the directives written before `specialize`) says where `x_vec` came from.
use halite::prelude::*;

#[kernel]
pub fn twice(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x) * 2.0;
    schedule! {
        out.vectorize(x, 8).vectorize(x, 8);
    }
}

#[kernel]
pub fn specialized_after(a: ArrayView1<f32>, k: i32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = a(x) * 2.0;
    out(x) = f(x) + f(x + k);
    schedule! {
        f.compute_root().vectorize(x, 8);
        f.specialize(k == 1).vectorize(x, 16);
    }
}

fn main() {}
