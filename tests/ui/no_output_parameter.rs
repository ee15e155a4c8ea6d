// A kernel needs at least one output view.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, scale: f32) -> Result<(), Error> {}

fn main() {}
