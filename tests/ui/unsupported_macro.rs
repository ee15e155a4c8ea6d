// The only macro allowed in a kernel body is `schedule!`.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    println!("computing");
    out(y, x) = a(y, x);
}

fn main() {}
