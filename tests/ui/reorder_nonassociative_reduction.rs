// Reading digits into a number (`n = n * 10 + d`) depends on the order of the domain: its two
// reduction variables must keep their order (a commutative `+=` could be reordered).
use halite::prelude::*;

#[kernel]
pub fn digits(d: ArrayView2<i64>, out: ArrayViewMut1<i64>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..d.nrows(), 0..d.ncols());
    out(i) = 0;
    out(i) = out(i) * 10 + d(ry, rx) + (i as i64);

    schedule! {
        out.update(0).reorder(i, rx, ry);
    }
}

fn main() {}
