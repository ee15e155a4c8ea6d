// A comparison is a `bool`, which does not take part in arithmetic: the errors say to
// convert it with `as i32`.
use halite::prelude::*;

#[kernel]
pub fn count_positive(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = (a(x) > 0) + (a(x) > 5);
}

#[kernel]
pub fn scale_flag(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = (a(x) > 0) * 3;
}

fn main() {}
