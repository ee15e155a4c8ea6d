// Every combination of specializations is compiled: more than 16 versions is refused.
use halite::prelude::*;

#[kernel]
pub fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * 2.0;
    out(y, x) = t(y, x) + 1.0;
    schedule! {
        t.compute_root();
        t.specialize(a.ncols() == 1).vectorize(x, 2);
        t.specialize(a.ncols() == 2).vectorize(x, 4);
        t.specialize(a.ncols() == 3).vectorize(x, 8);
        t.specialize(a.ncols() == 4).vectorize(x, 16);
        out.specialize(a.nrows() == 1).vectorize(x, 2);
        out.specialize(a.nrows() == 2).vectorize(x, 4);
        out.specialize(a.nrows() == 3).vectorize(x, 8);
        out.specialize(a.nrows() == 4).vectorize(x, 16);
    }
}

fn main() {}
