//! Halide's depthwise separable convolution app (apps/depthwise_separable_conv), the block of
//! MobileNet: a depthwise 3x3 convolution of each channel (zero padding), a pointwise 1x1
//! convolution across channels with a bias, and a ReLU. Channels are innermost, as in the app:
//! Halide's `f(d, x, y, b)` is `f(b, y, x, d)` here. Checks itself against its `reference`,
//! against the output of Halide 21 (a golden file written by
//! `scripts/halide_depthwise_separable_conv.py --golden`) and against a plain Rust loop, then
//! prints the times.
//!
//! `cargo run --release --example depthwise_separable_conv [--halite-only | --plain-only]`
//! (the flags print one time in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::{best_of, max_abs_diff};

/// `input`: (batch, y, x, in channel); `depthwise_filter`: (filter y, filter x, in channel);
/// `pointwise_filter`: (in channel, out channel); `bias`: (out channel). `out`: (batch, y, x,
/// out channel). Unlike Halide's generic app, there is no channel multiplier: the app is
/// benchmarked (and specialized) for a multiplier of 1, MobileNet's case.
#[kernel]
pub fn depthwise_separable_conv(
    input: ArrayView4<f32>,
    depthwise_filter: ArrayView3<f32>,
    pointwise_filter: ArrayView2<f32>,
    bias: ArrayView1<f32>,
    out: ArrayViewMut4<f32>,
) -> Result<(), Error> {
    let (h, w) = (input.shape()[1], input.shape()[2]);
    // Zero padding of the rows and columns, as in Halide's app (images and channels need
    // none: a check of the channel would be a per-lane select in the vector loop over them).
    padded(b, y, x, d) = if y >= 0 && y < h && x >= 0 && x < w {
        input(b, y.clamp(0, h - 1), x.clamp(0, w - 1), d)
    } else {
        0.0f32
    };
    let pad_h = depthwise_filter.shape()[0] / 2;
    let pad_w = depthwise_filter.shape()[1] / 2;
    let (ry, rx) = rdom(
        0..depthwise_filter.shape()[0],
        0..depthwise_filter.shape()[1],
    );
    depthwise(b, y, x, d) = 0.0f32;
    // `mul_add`: Halide's schedule relies on fused multiply-adds (LLVM contracts its `a * b + c`).
    depthwise(b, y, x, d) = depthwise_filter(ry, rx, d).mul_add(
        padded(b, y + ry - pad_h, x + rx - pad_w, d),
        depthwise(b, y, x, d),
    );
    let rc = rdom(0..pointwise_filter.nrows());
    pointwise(b, y, x, d) = bias(d);
    pointwise(b, y, x, d) =
        pointwise_filter(rc, d).mul_add(depthwise(b, y, x, rc), pointwise(b, y, x, d));
    out(b, y, x, d) = pointwise(b, y, x, d).max(0.0);
    schedule! {
        // Halide's own schedules: register tiles of rows x pixels x 16 output channels sized
        // for the registers of each instruction set, each group of rows of every image in
        // parallel (batch and rows fused).
        if isa(avx512) {
            // 32 registers of 16 lanes: tiles of 4 rows x 6 pixels (24 accumulators). The
            // last tile of a row is shifted inwards, as Halide's default does for an output
            // (112 = 18 x 6 + 4: a guarded 4-pixel tile would run general code).
            out.split(y, y, yi, 4).split(x, x, xi, 6, ShiftInwards).split(d, d, di, 16)
                .reorder(b, y, x, d, yi, xi, di).vectorize(di, 16).unroll(xi).unroll(yi)
                .fuse(b, y, by).parallel(by);
            // Per tile: the pointwise sum over the input channels, 16 at a time (`ro`), ...
            pointwise.compute_at(out, d).vectorize(d, 16).unroll(x, 6).unroll(y, 4);
            pointwise.update(0).split(rc, ro, ri, 16).reorder(b, ro, ri, y, x, d)
                .vectorize(d, 16).unroll(x, 6).unroll(y, 4);
            // ... whose 16 depthwise channels are computed for the tile's pixels just
            // before they are used (the taps accumulate in registers): per filter row `ry`
            // and tile row, the three taps of the row unrolled inside it, so that each input
            // vector of the row is loaded once for its (up to) three taps and few stay live
            // (with the row's taps outside the tile's rows, as Halide orders them, LLVM kept
            // the inputs of all the rows live and spilled: 1.15 -> 0.81-0.86 ms).
            depthwise.compute_at(pointwise, ro).vectorize(d, 16).unroll(x, 6).unroll(y, 4);
            depthwise.update(0).reorder(b, ry, y, rx, x, d).vectorize(d, 16).unroll(x, 6)
                .unroll(rx, 3).unroll(y, 4);
        } else {
            // 16 registers of 8 lanes (AVX2; the others get the same tiles): tiles of 2 rows x
            // 3 pixels x 16 channels, 12 registers of accumulators.
            out.split(y, y, yi, 2).split(x, x, xi, 3, ShiftInwards).split(d, d, di, 16)
                .reorder(b, y, x, d, yi, xi, di).vectorize(di, 16).unroll(xi).unroll(yi)
                .fuse(b, y, by).parallel(by);
            pointwise.compute_at(out, d).vectorize(d, 16).unroll(x, 3).unroll(y, 2);
            pointwise.update(0).split(rc, ro, ri, 16).reorder(b, ro, ri, y, x, d)
                .vectorize(d, 16).unroll(x, 3).unroll(y, 2);
            depthwise.compute_at(pointwise, ro).vectorize(d, 16).unroll(x, 3).unroll(y, 2);
            depthwise.update(0).reorder(b, ry, y, rx, x, d).vectorize(d, 16).unroll(x, 3)
                .unroll(rx, 3).unroll(y, 2);
        }
        // The zero-padded input stays inlined into the taps: each tap's nest has a copy
        // without the padding's tests, taken on tiles away from the edges (Halide copies the
        // padded input per tile and 16 channels instead; a copy per group of rows measured
        // 10-15% slower here than reading the input in place).
        // As Halide's schedule: a version for 3 x 3 filters, whose loops have constant bounds.
        out.specialize(depthwise_filter.shape()[0] == 3 && depthwise_filter.shape()[1] == 3);
    }
}

/// Deterministic test data of the given shapes (also in the Halide script).
pub fn data(
    n: usize,
    h: usize,
    w: usize,
    ci: usize,
    co: usize,
) -> (Array4<f32>, Array3<f32>, Array2<f32>, Array1<f32>) {
    let v = |k: usize, m: usize| ((k % m) as f64 / m as f64 - 0.5) as f32;
    let input = Array4::from_shape_fn((n, h, w, ci), |(b, y, x, c)| {
        v(b * 7 + y * 13 + x * 5 + c * 3, 31)
    });
    let dw = Array3::from_shape_fn((3, 3, ci), |(y, x, c)| v(y * 5 + x * 3 + c, 11));
    let pw = Array2::from_shape_fn((ci, co), |(c, o)| v(c * 7 + o * 3, 13));
    let bias = Array1::from_shape_fn(co, |o| v(o, 5));
    (input, dw, pw, bias)
}

/// The same computation as plain loops (3x3 filter; products rounded before they are added).
pub fn plain(
    input: &Array4<f32>,
    dw: &Array3<f32>,
    pw: &Array2<f32>,
    bias: &Array1<f32>,
    out: &mut Array4<f32>,
) {
    let (n, h, w, ci) = input.dim();
    let co = bias.len();
    let mut dwo = vec![0.0f32; ci];
    for b in 0..n {
        for y in 0..h {
            for x in 0..w {
                for (c, o) in dwo.iter_mut().enumerate() {
                    let mut s = 0.0f32;
                    for fy in 0..3 {
                        for fx in 0..3 {
                            let (iy, ix) =
                                (y as isize + fy as isize - 1, x as isize + fx as isize - 1);
                            let v = if iy >= 0 && iy < h as isize && ix >= 0 && ix < w as isize {
                                input[[b, iy as usize, ix as usize, c]]
                            } else {
                                0.0
                            };
                            s += dw[[fy, fx, c]] * v;
                        }
                    }
                    *o = s;
                }
                for o in 0..co {
                    let mut s = bias[o];
                    for (c, v) in dwo.iter().enumerate() {
                        s += pw[[c, o]] * v;
                    }
                    out[[b, y, x, o]] = s.max(0.0);
                }
            }
        }
    }
}

fn main() -> Result<(), Error> {
    // The app's size: MobileNet v2's second layer, batch 4, 112x112, 32 -> 16 channels.
    let (n, h, w, ci, co) = (4, 112, 112, 32, 16);
    let (input, dw, pw, bias) = data(n, h, w, ci, co);
    let mut out = Array4::<f32>::zeros((n, h, w, co));
    if std::env::args().any(|a| a == "--plain-only") {
        println!(
            "{:.3}",
            best_of(10, &mut || plain(&input, &dw, &pw, &bias, &mut out)) * 1e3
        );
        return Ok(());
    }
    let t = best_of(50, &mut || {
        depthwise_separable_conv(
            input.view(),
            dw.view(),
            pw.view(),
            bias.view(),
            out.view_mut(),
        )
        .unwrap()
    });
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let (si, sd, sp, sb) = data(2, 9, 11, 32, 16);
    let (mut got, mut want) = (
        Array4::<f32>::zeros((2, 9, 11, 16)),
        Array4::<f32>::zeros((2, 9, 11, 16)),
    );
    depthwise_separable_conv(si.view(), sd.view(), sp.view(), sb.view(), got.view_mut())?;
    depthwise_separable_conv::reference(
        si.view(),
        sd.view(),
        sp.view(),
        sb.view(),
        want.view_mut(),
    )?;
    assert_eq!(got, want, "halite differs from its reference");
    let mut expect = Array4::<f32>::zeros((n, h, w, co));
    let t_plain = best_of(5, &mut || plain(&input, &dw, &pw, &bias, &mut expect));
    // The plain loop rounds each product (a scalar `mul_add` without FMA is a slow libm call).
    let worst = max_abs_diff(&out, &expect);
    assert!(
        worst <= 1e-5,
        "halite differs from the plain loop by {worst:e}"
    );
    println!(
        "Depthwise separable convolution, {n}x{h}x{w}x{ci} -> {co} channels, {} thread(s):",
        rayon::current_num_threads()
    );
    let gflop = (n * h * w * (ci * 9 * 2 + ci * co * 2)) as f64 * 1e-9;
    println!(
        "  halite      {:8.3} ms  ({:.1} GFLOP/s)",
        t * 1e3,
        gflop / t
    );
    println!(
        "  plain loop  {:8.3} ms  ({:.1}x)",
        t_plain * 1e3,
        t_plain / t
    );
    Ok(())
}
