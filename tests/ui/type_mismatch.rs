// Mixing `u16` and `f32` is an error that suggests an `as` cast.
use halite::prelude::*;

// The faulty Func is not used by `out`, so its error is the only one.
#[kernel]
pub fn k(a: ArrayView2<u16>, gain: f32, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) as f32;
    scaled(y, x) = a(y, x) * gain;
}

fn main() {}
