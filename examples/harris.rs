//! Halide's Harris corner detector (apps/harris) in halite: gradients of a gray image, the 3x3
//! sums of their products, and the corner response `det - 0.04 * trace^2`. Checks itself
//! against its `reference`, against Halide 21's output (a golden file written by
//! `scripts/halide_harris.py --golden`) and against a plain Rust loop, then prints the times.
//! The input is planar RGB `(channel, y, x)`; the output is 6 pixels smaller in each dimension.
//!
//! `cargo run --release --example harris [--halite-only | --plain-only]` (the flags print one time
//! in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::{best_of, max_abs_diff};

/// The Harris corner response of an RGB image. `fma`: every `a * b + c` is one fused
/// multiply-add, as in Halide's build of the app (LLVM contracts them there); `reference`
/// fuses the same ones.
#[kernel(fma)]
pub fn harris(input: ArrayView3<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    gray(y, x) = 0.299 * input(0, y, x) + 0.587 * input(1, y, x) + 0.114 * input(2, y, x);
    iy(y, x) = gray(y - 1, x - 1) * (-1.0 / 12.0)
        + gray(y + 1, x - 1) * (1.0 / 12.0)
        + gray(y - 1, x) * (-2.0 / 12.0)
        + gray(y + 1, x) * (2.0 / 12.0)
        + gray(y - 1, x + 1) * (-1.0 / 12.0)
        + gray(y + 1, x + 1) * (1.0 / 12.0);
    ix(y, x) = gray(y - 1, x - 1) * (-1.0 / 12.0)
        + gray(y - 1, x + 1) * (1.0 / 12.0)
        + gray(y, x - 1) * (-2.0 / 12.0)
        + gray(y, x + 1) * (2.0 / 12.0)
        + gray(y + 1, x - 1) * (-1.0 / 12.0)
        + gray(y + 1, x + 1) * (1.0 / 12.0);
    ixx(y, x) = ix(y, x) * ix(y, x);
    iyy(y, x) = iy(y, x) * iy(y, x);
    ixy(y, x) = ix(y, x) * iy(y, x);
    sxx(y, x) = ixx(y - 1, x - 1)
        + ixx(y, x - 1)
        + ixx(y + 1, x - 1)
        + ixx(y - 1, x)
        + ixx(y, x)
        + ixx(y + 1, x)
        + ixx(y - 1, x + 1)
        + ixx(y, x + 1)
        + ixx(y + 1, x + 1);
    syy(y, x) = iyy(y - 1, x - 1)
        + iyy(y, x - 1)
        + iyy(y + 1, x - 1)
        + iyy(y - 1, x)
        + iyy(y, x)
        + iyy(y + 1, x)
        + iyy(y - 1, x + 1)
        + iyy(y, x + 1)
        + iyy(y + 1, x + 1);
    sxy(y, x) = ixy(y - 1, x - 1)
        + ixy(y, x - 1)
        + ixy(y + 1, x - 1)
        + ixy(y - 1, x)
        + ixy(y, x)
        + ixy(y + 1, x)
        + ixy(y - 1, x + 1)
        + ixy(y, x + 1)
        + ixy(y + 1, x + 1);
    det(y, x) = sxx(y, x) * syy(y, x) - sxy(y, x) * sxy(y, x);
    trace(y, x) = sxx(y, x) + syy(y, x);
    response(y, x) = det(y, x) - 0.04 * trace(y, x) * trace(y, x);
    out(y, x) = response(y + 2, x + 2);
    schedule! {
        // Strips of 32 rows in parallel, the two gradients of a strip (34 rows) computed first.
        // 16 lanes, AVX-512's width (8% faster than 8 here).
        out.split(y, y, yi, 32).parallel(y).vectorize(x, 16);
        ix.compute_at(out, y).vectorize(x, 16);
        iy.compute_at(out, y).vectorize(x, 16);
        gray.compute_at(out, y).vectorize(x, 16);
    }
}

/// The synthetic image of `scripts/halide_harris.py`.
pub fn image(h: usize, w: usize) -> Array3<f32> {
    Array3::from_shape_fn((3, h, w), |(c, y, x)| {
        (((x * 7 + y * 13 + c * 29 + (x * y) % 11) % 97) as f64 / 97.0) as f32
    })
}

/// The same computation as plain loops over whole intermediate images.
pub fn plain(input: &Array3<f32>, out: &mut Array2<f32>) {
    let (_, h, w) = input.dim();
    let gray = Array2::from_shape_fn((h, w), |(y, x)| {
        0.299 * input[[0, y, x]] + 0.587 * input[[1, y, x]] + 0.114 * input[[2, y, x]]
    });
    let (mut ix, mut iy) = (Array2::<f32>::zeros((h, w)), Array2::<f32>::zeros((h, w)));
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let g = |dy: isize, dx: isize| {
                gray[[(y as isize + dy) as usize, (x as isize + dx) as usize]]
            };
            iy[[y, x]] = g(-1, -1) * (-1.0 / 12.0)
                + g(1, -1) * (1.0 / 12.0)
                + g(-1, 0) * (-2.0 / 12.0)
                + g(1, 0) * (2.0 / 12.0)
                + g(-1, 1) * (-1.0 / 12.0)
                + g(1, 1) * (1.0 / 12.0);
            ix[[y, x]] = g(-1, -1) * (-1.0 / 12.0)
                + g(-1, 1) * (1.0 / 12.0)
                + g(0, -1) * (-2.0 / 12.0)
                + g(0, 1) * (2.0 / 12.0)
                + g(1, -1) * (-1.0 / 12.0)
                + g(1, 1) * (1.0 / 12.0);
        }
    }
    let (oh, ow) = out.dim();
    for y in 0..oh {
        for x in 0..ow {
            let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
            for dx in 0..3 {
                for dy in 0..3 {
                    let (a, b) = (ix[[y + 1 + dy, x + 1 + dx]], iy[[y + 1 + dy, x + 1 + dx]]);
                    sxx += a * a;
                    syy += b * b;
                    sxy += a * b;
                }
            }
            let trace = sxx + syy;
            out[[y, x]] = sxx * syy - sxy * sxy - 0.04 * trace * trace;
        }
    }
}

fn main() -> Result<(), Error> {
    // Halide's apps size: 1536 x 2560 (width x height).
    let (h, w) = (2560, 1536);
    let input = image(h, w);
    if std::env::args().any(|a| a == "--plain-only") {
        let mut expect = Array2::<f32>::zeros((h - 6, w - 6));
        println!(
            "{:.3}",
            best_of(3, &mut || plain(&input, &mut expect)) * 1e3
        );
        return Ok(());
    }
    let mut out = Array2::<f32>::zeros((h - 6, w - 6));
    let t = best_of(20, &mut || harris(input.view(), out.view_mut()).unwrap());
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let small = image(40, 31);
    let (mut got, mut want) = (
        Array2::<f32>::zeros((34, 25)),
        Array2::<f32>::zeros((34, 25)),
    );
    harris(small.view(), got.view_mut())?;
    harris::reference(small.view(), want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    let mut expect = Array2::<f32>::zeros((h - 6, w - 6));
    let t_plain = best_of(3, &mut || plain(&input, &mut expect));
    let scale = expect.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let worst = max_abs_diff(&out, &expect);
    assert!(
        worst <= 1e-5 * scale,
        "halite differs from the plain loop by {worst:e}"
    );
    println!(
        "Harris corners of a {w}x{h} RGB f32 image, {} thread(s):",
        rayon::current_num_threads()
    );
    println!("  halite      {:8.3} ms", t * 1e3);
    println!(
        "  plain loop  {:8.3} ms  ({:.1}x)",
        t_plain * 1e3,
        t_plain / t
    );
    Ok(())
}
