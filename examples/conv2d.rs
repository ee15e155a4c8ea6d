//! A convolution layer (batch x channels x height x width, 3x3 kernels, no padding) in
//! halite: one update definition over a three-dimensional reduction domain. The schedule
//! accumulates a register tile (`prod`, computed per tile, its reduction loops outside the
//! unrolled and vectorized pure loops: each input vector feeds every channel of the tile, each
//! broadcast weight every row), with groups of output channels in parallel. The tile depends
//! on the instruction set: 4 output channels x 4 rows x 16 columns with AVX-512 (16
//! accumulators of 16 lanes; the 56-column rows end with a tile shifted inwards, so every tile
//! is full; 1.17 ms against 1.48 for the 8-lane tile on a Zen 5, one thread), 8 channels x 2
//! rows x 8 columns elsewhere (16 accumulators of 8 lanes: 7 tiles of 8 per row; with AVX2's
//! 16 registers, 4 channels were faster). Checks itself against its `reference` and a plain
//! loop nest.
//!
//! `cargo run --release --example conv2d`

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// `out(n, co, y, x) = sum over (ci, ky, kx) of w(co, ci, ky, kx) * input(n, ci, y + ky, x + kx)`.
#[kernel]
pub fn conv2d(
    input: ArrayView4<f32>,
    w: ArrayView4<f32>,
    out: ArrayViewMut4<f32>,
) -> Result<(), Error> {
    let (ci, ky, kx) = rdom(0..w.shape()[1], 0..w.shape()[2], 0..w.shape()[3]);
    prod(n, co, y, x) = 0.0;
    prod(n, co, y, x) = w(co, ci, ky, kx).mul_add(input(n, ci, y + ky, x + kx), prod(n, co, y, x));
    out(n, co, y, x) = prod(n, co, y, x);
    schedule! {
        if isa(avx512) {
            // 32 registers of 16 lanes: tiles of 4 channels x 4 rows x 16 columns (16
            // accumulators); the last tile of a row is shifted inwards (56 = 3 x 16 + 8), so
            // every tile is full. (8 x 2 x 16: 5% slower; 4 x 6 x 16, 24 accumulators, the
            // same; 4 x 7 and 2 x 8: 40-70% slower, measured on one thread.)
            out.split(co, coo, coi, 4).split(y, yo, yi, 4).split(x, xo, xi, 16, ShiftInwards)
                .reorder(n, coo, yo, xo, coi, yi, xi).vectorize(xi, 16).unroll(yi).unroll(coi)
                .parallel(coo);
            prod.compute_at(out, xo).vectorize(x, 16).unroll(co, 4).unroll(y, 4);
            prod.update(0).reorder(n, ci, ky, kx, co, y, x).vectorize(x, 16).unroll(co, 4)
                .unroll(y, 4);
        } else {
            out.split(co, coo, coi, 8).split(y, yo, yi, 2).split(x, xo, xi, 8)
                .reorder(n, coo, yo, xo, coi, yi, xi).vectorize(xi, 8).unroll(yi).unroll(coi)
                .parallel(coo);
            prod.compute_at(out, xo).vectorize(x, 8).unroll(co, 8).unroll(y, 2);
            prod.update(0).reorder(n, ci, ky, kx, co, y, x).vectorize(x, 8).unroll(co, 8)
                .unroll(y, 2);
        }
    }
}

fn naive(input: &Array4<f32>, w: &Array4<f32>, out: &mut Array4<f32>) {
    let (nb, co_n, oh, ow) = out.dim();
    let (_, ci_n, kh, kw) = w.dim();
    for n in 0..nb {
        for co in 0..co_n {
            for y in 0..oh {
                for x in 0..ow {
                    let mut s = 0.0f32;
                    for ci in 0..ci_n {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                s = w[[co, ci, ky, kx]].mul_add(input[[n, ci, y + ky, x + kx]], s);
                            }
                        }
                    }
                    out[[n, co, y, x]] = s;
                }
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let (nb, ci, co, h, wd) = (1, 64, 64, 56, 56);
    let input = Array4::from_shape_fn((nb, ci, h + 2, wd + 2), |(n, c, y, x)| {
        ((n * 3 + c * 7 + y * 5 + x * 11) % 19) as f32 * 0.1 - 0.9
    });
    let w = Array4::from_shape_fn((co, ci, 3, 3), |(o, c, y, x)| {
        ((o * 13 + c * 3 + y * 7 + x) % 23) as f32 * 0.05 - 0.5
    });
    // Exact against the reference on a small layer (the schedule keeps the reduction order).
    let si = input.slice(ndarray::s![.., ..5, ..9, ..13]);
    let sw = w.slice(ndarray::s![..6, ..5, .., ..]);
    let mut got = Array4::<f32>::zeros((1, 6, 7, 11));
    let mut want = Array4::<f32>::zeros((1, 6, 7, 11));
    conv2d(si, sw, got.view_mut())?;
    conv2d::reference(si, sw, want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");

    let mut out = Array4::<f32>::zeros((nb, co, h, wd));
    let t_halite = best_of(10, &mut || {
        conv2d(input.view(), w.view(), out.view_mut()).unwrap()
    });
    let mut expect = Array4::<f32>::zeros((nb, co, h, wd));
    let t_naive = best_of(2, &mut || naive(&input, &w, &mut expect));
    assert_eq!(out, expect, "halite differs from the plain loop nest");
    let flops = 2.0 * (nb * co * h * wd * ci * 9) as f64;
    println!(
        "conv2d {nb}x{ci}x{h}x{wd} -> {co} channels, 3x3, f32, {} thread(s):",
        rayon::current_num_threads()
    );
    for (name, t) in [("halite", t_halite), ("plain loop", t_naive)] {
        println!(
            "  {name:12} {:8.3} ms  {:6.1} GFLOP/s",
            t * 1e3,
            flops / t / 1e9
        );
    }
    println!("  speedup      {:8.1}x", t_naive / t_halite);
    Ok(())
}
