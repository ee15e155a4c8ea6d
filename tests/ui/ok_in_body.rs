// The generated function returns `Ok(())` itself.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x);
    Ok(())
}

fn main() {}
