use halite::prelude::*;

// A kernel runs to completion when called; it cannot be `async`.
#[kernel]
pub async fn copy(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x);
}

fn main() {}
