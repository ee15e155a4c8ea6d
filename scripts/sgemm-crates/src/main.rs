//! halite's SGEMM (the schedule of `examples/matmul.rs`) against the `gemm` crate and ndarray's
//! `dot` (matrixmultiply), alternating the three, best of 5 each, in one run.
//!
//! `cargo run --release --manifest-path scripts/sgemm-crates/Cargo.toml [N...]`
//! (`RAYON_NUM_THREADS=1` for one thread: halite and gemm both use rayon's pool.)

use halite::prelude::*;
use std::time::Instant;

// The kernel and schedule of the example itself.
#[path = "../../../examples/matmul.rs"]
#[allow(dead_code)]
mod matmul_app;
use matmul_app::matmul;

fn gemm_crate(a: &Array2<f32>, b: &Array2<f32>, c: &mut Array2<f32>, threads: usize) {
    let (m, k) = a.dim();
    let n = b.ncols();
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the three arrays are standard-layout m x k, k x n and m x n matrices; the strides
    // passed are theirs; `c` is not aliased.
    unsafe {
        gemm::gemm(
            m, n, k,
            c.as_mut_ptr(), 1, n as isize,
            false,
            a.as_ptr(), 1, k as isize,
            b.as_ptr(), 1, n as isize,
            0.0, 1.0,
            false, false, false,
            par,
        );
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1024, 2048] } else { sizes };
    let threads = rayon::current_num_threads();
    for n in sizes {
        let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.25 - 1.0);
        let b = Array2::from_shape_fn((n, n), |(i, j)| ((i * 5 + j * 11) % 17) as f32 * 0.125 - 1.0);
        let (mut c1, mut c2) = (Array2::<f32>::zeros((n, n)), Array2::<f32>::zeros((n, n)));
        matmul(a.view(), b.view(), c1.view_mut()).unwrap();
        gemm_crate(&a, &b, &mut c2, threads);
        let c3 = a.dot(&b);
        let close = |x: &Array2<f32>, y: &Array2<f32>| x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-3 * q.abs().max(1.0));
        assert!(close(&c1, &c3) && close(&c2, &c3), "results differ");
        let mut best = [f64::MAX; 3];
        for _ in 0..5 {
            let t = Instant::now();
            matmul(a.view(), b.view(), c1.view_mut()).unwrap();
            best[0] = best[0].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            gemm_crate(&a, &b, &mut c2, threads);
            best[1] = best[1].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let _d = a.dot(&b);
            best[2] = best[2].min(t.elapsed().as_secs_f64());
        }
        let g = |t: f64| 2.0 * (n as f64).powi(3) / t / 1e9;
        println!(
            "n={n} threads={threads}: halite {:.1} GFLOP/s, gemm crate {:.1}, ndarray dot (1 thread) {:.1}; halite/gemm {:.2}, halite/ndarray {:.2}",
            g(best[0]), g(best[1]), g(best[2]), best[1] / best[0], best[2] / best[0]
        );
    }
}
