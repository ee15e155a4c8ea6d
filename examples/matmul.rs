//! SGEMM `c = a · b` in halite, blocked as in BLAS libraries: the algorithm reads packed copies of
//! the operands, `b` as panels of 16 columns and `a` as panels of 6 rows, each contiguous along
//! `k`, and accumulates into a Func over the output's rows and 16-column panels. The schedule
//! packs `a` once (in parallel), splits the columns into parallel blocks of 256, blocks the
//! reduction over `k` (512 at a time) and the rows (96 at a time), packs each block of `b` once
//! per block of `k`, and computes 6 x 16 register tiles (12 accumulators of 8 lanes within
//! AVX2's 16 registers) whose panel of `b` stays in the first-level cache. AVX-512 takes 6 x 64
//! tiles (24 accumulators of 16 lanes, plus 4 vectors of `b` and a broadcast of `a`, within its
//! 32 registers) over a packed 64-column panel, reading `a` in place. Checks itself against its
//! `reference` and against ndarray, then prints the time of each.
//!
//! `cargo run --release --example matmul [N] [--halite-only]`

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// Matrix product with the reduction over `k` in the update of an accumulator Func.
///
/// `bw(jt, kk, jv)` is `b(kk, 16 jt + jv)` and `aw(it, kk, i6)` is `a(6 it + i6, kk)`: packed
/// copies in which each panel is contiguous (the inner loop reads 16 floats of `b` and 6 of
/// `a` per step of `k`, one after the other). The last panels are padded by repeating the
/// last row or column of the output's range, so the packing never reads outside what the
/// output needs: an `a` or `b` too small for `c` is an `Err`, as without packing.
#[kernel]
pub fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    bw(jt, kk, jv) = b(kk, (jt * 16 + jv).clamp(0, c.ncols() - 1));
    aw(it, kk, i6) = a((it * 6 + i6).clamp(0, c.nrows() - 1), kk);
    prod(i, jt, jv) = 0.0;
    prod(i, jt, jv) = aw(i / 6, k, i % 6).mul_add(bw(jt, k, jv), prod(i, jt, jv));
    c(i, j) = prod(i, j / 16, j % 16);
    schedule! {
        if isa(avx512) {
            // 6x64 tiles over a packed panel of four 16-column panels (`a` read in place).
            c.split(i, io, ii, 6).split(j, jo, ji, 64).split(ji, jm, jv, 16)
                .reorder(jo, io, ii, jm, jv).vectorize(jv, 16).unroll(jm).unroll(ii).parallel(jo);
            bw.compute_at(c, jo).bound(jv, 0, 16).vectorize(jv, 16);
            prod.compute_at(c, io).bound(jv, 0, 16).vectorize(jv, 16);
            prod.update(0).reorder(k, i, jt, jv).vectorize(jv, 16).unroll(jt, 4).unroll(i, 6);
        } else {
            // `a` packed once; columns in parallel blocks of 256; per block of 512 `k`, the
            // block of `b` packed (32 KB per panel: a panel stays in the first-level cache while
            // it meets every row tile of a block of 96 rows, whose packed `a` stays in the
            // second level).
            c.split(j, jo, ji, 256).split(ji, jm, jv, 16).reorder(jo, i, jm, jv)
                .vectorize(jv, 8).parallel(jo);
            prod.compute_at(c, jo).bound(jv, 0, 16).vectorize(jv, 8);
            prod.update(0).split(k, ko, ki, 512).split(i, ib, ii, 96).split(ii, ir, i6, 6)
                .reorder(ko, ib, jt, ir, ki, i6, jv).vectorize(jv, 8).unroll(jv).unroll(i6);
            aw.compute_root().bound(i6, 0, 6).unroll(i6).parallel(it, 8);
            bw.compute_at(prod, ko).bound(jv, 0, 16).vectorize(jv, 8);
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
