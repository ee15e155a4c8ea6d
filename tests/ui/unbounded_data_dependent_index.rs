// A data-dependent index with no finite range (an `i32` value) cannot be bounded: clamp it.
use halite::prelude::*;

#[kernel]
pub fn k(
    input: ArrayView2<i32>,
    table: ArrayView1<f32>,
    out: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    out(y, x) = table(input(y, x) as i32);
}

fn main() {}
