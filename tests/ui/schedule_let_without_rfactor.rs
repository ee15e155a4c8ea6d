// `let` in a schedule only names the intermediate made by rfactor.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        let o = out.vectorize(x, 8);
    }
}

fn main() {}
