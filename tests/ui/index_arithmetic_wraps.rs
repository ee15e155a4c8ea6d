// An index whose arithmetic leaves its type for some values wraps around: no bound holds.
use halite::prelude::*;

#[kernel]
fn squares(a: ArrayView1<i32>, lut: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(i) = lut(a(i).clamp(0, 70000) * a(i).clamp(0, 70000) / 100000000);
}

#[kernel]
fn narrowed(a: ArrayView1<i32>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    hist(i) = 0;
    hist(((a(r).clamp(0, 9) as i64) * 1000000000000) as i32 / 100000000) += 1;
}

// An update with `=` does not read its Func: the update's own message.
#[kernel]
fn marked(a: ArrayView1<i32>, marks: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    marks(i) = 0;
    marks(a(r).clamp(0, 70000) * a(r).clamp(0, 70000) / 100000000) = 1;
}

fn main() {}
