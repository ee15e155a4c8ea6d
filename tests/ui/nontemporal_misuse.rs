// `store_nontemporal()` where its stores would be read back, would not be whole vectors of
// contiguous elements, or would write some elements twice.
use halite::prelude::*;

#[kernel]
pub fn with_update(a: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x);
    out(x) += 1.0;
    schedule! {
        out.vectorize(x, 8).store_nontemporal();
    }
}

#[kernel]
pub fn read_back(a: ArrayView1<f32>, out: ArrayViewMut1<f32>, twice: ArrayViewMut1<f32>) -> Result<(), Error> {
    out(x) = a(x) * 2.0;
    twice(x) = out(x) + out(x);
    schedule! {
        out.vectorize(x, 8).store_nontemporal();
    }
}

#[kernel]
pub fn not_vectorized(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.parallel(y).store_nontemporal();
    }
}

#[kernel]
pub fn across_rows(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.reorder(x, y).vectorize(y, 8).store_nontemporal();
    }
}

#[kernel]
pub fn shifted(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(x, x, xi, 16, ShiftInwards).vectorize(xi).store_nontemporal();
    }
}

#[kernel]
pub fn strided(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        out.split(x, xo, xi, 4).reorder(y, xi, xo).vectorize(xo, 8).store_nontemporal();
    }
}

#[kernel]
pub fn inline_sum(a: ArrayView2<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = sum(a(y, r));
    schedule! {
        out.vectorize(y, 8).store_nontemporal();
    }
}

#[kernel]
pub fn some_isas(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 2.0;
    schedule! {
        if isa(avx512) {
            out.vectorize(x, 16);
        }
        out.store_nontemporal();
    }
}

fn main() {}
