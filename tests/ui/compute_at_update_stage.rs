// `compute_at` names the consumer Func, not one of its stages: a loop of an update stage is
// named directly, `compute_at(out, r)`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let r = rdom(0..4);
    g(y, x) = a(y, x) * 2.0;
    out(y, x) = 0.0;
    out(y, x) += g(y + r, x);
    schedule! {
        g.compute_at(out.update(0), r);
    }
}

fn main() {}
