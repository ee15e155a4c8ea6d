// An `rdom(..)` inside an expression is a one-dimensional reduction variable: it belongs in an
// update definition or an inline reduction, and its bounds cannot use pure variables.
use halite::prelude::*;

#[kernel]
pub fn pure_use(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x + rdom(0..3));
}

#[kernel]
pub fn two_ranges(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(y) = sum(a(y, rdom(0..3, 0..2)));
}

#[kernel]
pub fn pure_bound(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(y) = sum(a(y, rdom(0..y)));
}

fn main() {}
