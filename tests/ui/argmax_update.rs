// `argmax` written alone is not folded into its Func: it has no update to schedule.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, at: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    at(y) = argmax(a(y, r));
    schedule! {
        at.update(0).unroll(r, 4);
    }
}

fn main() {}
