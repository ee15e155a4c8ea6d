// `let` in a schedule (binding `rfactor`) is not implemented yet.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x);
    schedule! {
        let intm = out.update(0).rfactor(r, u);
    }
}

fn main() {}
