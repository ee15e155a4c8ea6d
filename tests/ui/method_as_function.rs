use halite::prelude::*;

// Halide spells `clamp` as a free function; halite, like Rust, as a method.
#[kernel]
fn shifted(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(clamp(x + 1, 0, a.len() - 1));
}

fn main() {}
