// A Func whose definition has an error is reported once, there, not again at each use.
use halite::prelude::*;

#[kernel]
pub fn k(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    g(y, x) = input(y, x) / (x + 1);
    out(y, x) = g(y, x) + g(y, x + 1);
}

fn main() {}
