//! Row-wise softmax: a maximum and a sum per row (inline reductions that make `m` and `s`
//! reduction Funcs), computed once per row before the row's vectorized exponentials. Checks
//! itself against its `reference` and a plain loop.
//!
//! `cargo run --release --example softmax`

use halite::prelude::*;
use std::time::Instant;

/// `out(y, x) = exp(input(y, x) - max_y) / sum_x exp(input(y, x) - max_y)`.
#[kernel]
pub fn softmax(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    m(y) = maximum(input(y, r));
    s(y) = sum((input(y, r) - m(y)).exp());
    out(y, x) = (input(y, x) - m(y)).exp() / s(y);
    schedule! {
        m.compute_at(out, y);
        s.compute_at(out, y);
        out.vectorize(x, 16).parallel(y);
    }
}

fn best_of(runs: usize, f: &mut dyn FnMut()) -> f64 {
    f();
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
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
    assert_eq!(got, want, "halite differs from its reference");

    let mut out = Array2::<f32>::zeros((h, w));
    let t_halite = best_of(10, &mut || softmax(input.view(), out.view_mut()).unwrap());
    let mut expect = Array2::<f32>::zeros((h, w));
    let t_plain = best_of(5, &mut || plain(&input, &mut expect));
    assert_eq!(out, expect, "halite differs from the plain loop");
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
