// Raw identifiers are refused as parameter names (with a message, not an internal error).
use halite::prelude::*;

#[kernel]
pub fn k(r#type: f32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(i) = r#type;
}

fn main() {}
