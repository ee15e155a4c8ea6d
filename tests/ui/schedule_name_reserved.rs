// Loop names made by the schedule become identifiers of the generated code: no `__`.
use halite::prelude::*;

#[kernel]
fn k(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2;
    schedule! {
        out.split(x, x__v, xi, 4).vectorize(xi, 4);
    }
}

#[kernel]
fn sums(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0;
    out(y) += a(y, r);
    schedule! {
        out.update(0).split(r, ro, ri, 8);
        let part__1 = out.update(0).rfactor(ri, u);
        part__1.compute_at(out, y);
    }
}

fn main() {}
