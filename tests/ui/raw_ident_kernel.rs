// A raw identifier as the kernel's name is refused with a message.
use halite::prelude::*;

#[kernel]
pub fn r#match(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(i) = a(i);
}

fn main() {}
