//! SGEMM `c = a · b` in halite: the algorithm is two lines, the schedule blocks it into
//! register tiles (a tile-sized accumulator `prod` computed per tile, its reduction loop
//! outside the unrolled and vectorized pure loops) and packs the 64-column panel of `b` that
//! each column of tiles reads (`bw`, computed once per panel). The tiles depend on the
//! instruction set: 6x64 on AVX-512 (24 accumulators of 16 lanes, plus 4 vectors of `b` and a
//! broadcast of `a`, within its 32 registers), 6x16 elsewhere (12 accumulators of 8 lanes
//! within AVX2's 16). Checks itself against its `reference` and against ndarray,
//! then prints the time of each.
//!
//! `cargo run --release --example matmul [N] [--halite-only]`

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// Matrix product with the reduction over `k` in the update of a tile-sized accumulator.
#[kernel]
pub fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    bw(kk, j) = b(kk, j);
    prod(i, j) = 0.0;
    prod(i, j) = a(i, k).mul_add(bw(k, j), prod(i, j));
    c(i, j) = prod(i, j);
    schedule! {
        if isa(avx512) {
            // 32 registers of 16 lanes: 6x64 tiles (24 accumulators).
            c.split(i, io, ii, 6).split(j, jo, ji, 64).reorder(jo, io, ii, ji)
                .vectorize(ji, 16).unroll(ji).unroll(ii).parallel(jo);
            bw.compute_at(c, jo).vectorize(j, 16);
            prod.compute_at(c, io).vectorize(j, 16).unroll(j, 4).unroll(i, 6);
            prod.update(0).reorder(k, i, j).vectorize(j, 16).unroll(j, 4).unroll(i, 6);
        } else {
            // 16 registers of 8 lanes (AVX2; the others get the same tiles): 6x16 tiles (12
            // accumulators), four of them across each packed 64-column panel of `b`.
            c.split(i, io, ii, 6).split(j, jo, ji, 64).split(ji, jm, jv, 16)
                .reorder(jo, io, jm, ii, jv).vectorize(jv, 8).unroll(jv).unroll(ii).parallel(jo);
            bw.compute_at(c, jo).vectorize(j, 8);
            prod.compute_at(c, jm).vectorize(j, 8).unroll(j, 2).unroll(i, 6);
            prod.update(0).reorder(k, i, j).vectorize(j, 8).unroll(j, 2).unroll(i, 6);
        }
    }
}

/// The plain Rust loop nest (i-k-j order, which LLVM vectorizes).
fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
    let (m, kk) = a.dim();
    let n = b.ncols();
    let mut c = Array2::<f32>::zeros((m, n));
    for i in 0..m {
        for k in 0..kk {
            let x = a[[i, k]];
            for j in 0..n {
                c[[i, j]] = x.mul_add(b[[k, j]], c[[i, j]]);
            }
        }
    }
    c
}

fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1024, |s| s.parse().expect("a size"));
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.25 - 1.0);
    let b = Array2::from_shape_fn((n, n), |(i, j)| {
        ((i * 5 + j * 11) % 17) as f32 * 0.125 - 1.0
    });

    // Exact against the reference on a small problem with ragged edges (the schedule does not
    // reorder the reduction, so the results are bit for bit the same).
    let (sa, sb) = (
        a.slice(ndarray::s![..37, ..29]),
        b.slice(ndarray::s![..29, ..45]),
    );
    let mut got = Array2::<f32>::zeros((37, 45));
    let mut want = Array2::<f32>::zeros((37, 45));
    matmul(sa, sb, got.view_mut())?;
    matmul::reference(sa, sb, want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");

    let mut c = Array2::<f32>::zeros((n, n));
    let t_halite = best_of(5, &mut || matmul(a.view(), b.view(), c.view_mut()).unwrap());
    if std::env::args().any(|a| a == "--halite-only") {
        // For scripts/compare_sgemm.sh: the best time in ms, nothing else.
        println!("{:.3}", t_halite * 1e3);
        return Ok(());
    }
    let mut d = Array2::<f32>::zeros((n, n));
    let t_ndarray = best_of(5, &mut || d = a.dot(&b));
    let t_naive = best_of(1, &mut || {
        naive(&a, &b);
    });
    assert_eq!(c, naive(&a, &b), "halite differs from the plain loop");
    let gflops = |t: f64| 2.0 * (n as f64).powi(3) / t / 1e9;
    println!(
        "matmul {n}x{n}x{n} f32 on {} thread(s):",
        rayon::current_num_threads()
    );
    for (name, t) in [
        ("halite", t_halite),
        ("ndarray dot", t_ndarray),
        ("plain loop", t_naive),
    ] {
        println!("  {name:12} {:8.2} ms  {:6.1} GFLOP/s", t * 1e3, gflops(t));
    }
    Ok(())
}
