use halite::prelude::*;

// Halide's `select(c, a, b)` is Rust's `if c { a } else { b }`.
#[kernel]
fn relu(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = select(a(x) > 0.0, a(x), 0.0);
}

fn main() {}
