//! Halide's unsharp mask app (apps/unsharp) in halite: a gray image from RGB, a separable 7-tap
//! Gaussian blur of it with a repeated edge, and each channel scaled by how much sharpening
//! changes the gray value. Checks itself against its `reference`, against the output of Halide
//! 21 (a golden file written by `scripts/halide_unsharp.py --golden`) and against a plain Rust
//! loop, then prints the times. Images are planar, `(channel, y, x)`.
//!
//! `cargo run --release --example unsharp [--halite-only | --plain-only]` (the flags print one time
//! in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// The unsharp mask of an RGB image with sigma 1.5.
#[kernel]
pub fn unsharp(input: ArrayView3<f32>, out: ArrayViewMut3<f32>) -> Result<(), Error> {
    // The Gaussian's weights, as Halide's app computes them.
    let norm = (2.0f32 * std::f32::consts::PI).sqrt() * 1.5;
    let k0 = 1.0f32 / norm;
    let k1 = (-1.0f32 / 4.5).exp() / norm;
    let k2 = (-4.0f32 / 4.5).exp() / norm;
    let k3 = (-9.0f32 / 4.5).exp() / norm;
    let p = repeat_edge(input);
    gray(y, x) = 0.299 * p(0, y, x) + 0.587 * p(1, y, x) + 0.114 * p(2, y, x);
    blur_y(y, x) = k0 * gray(y, x)
        + k1 * (gray(y - 1, x) + gray(y + 1, x))
        + k2 * (gray(y - 2, x) + gray(y + 2, x))
        + k3 * (gray(y - 3, x) + gray(y + 3, x));
    blur_x(y, x) = k0 * blur_y(y, x)
        + k1 * (blur_y(y, x - 1) + blur_y(y, x + 1))
        + k2 * (blur_y(y, x - 2) + blur_y(y, x + 2))
        + k3 * (blur_y(y, x - 3) + blur_y(y, x + 3));
    sharpen(y, x) = 2.0 * gray(y, x) - blur_x(y, x);
    ratio(y, x) = sharpen(y, x) / gray(y, x);
    out(c, y, x) = ratio(y, x) * input(c, y, x);
    schedule! {
        // Halide's schedule: strips of 32 rows in parallel; in each, every Func is computed
        // row by row as the strip needs it, its storage kept across the strip (a sliding
        // window: each gray row is computed once per strip, 8 rows of storage).
        // Vectors of the machine's natural width, as Halide's `natural_vector_size`: 16 lanes
        // on AVX-512 (3-10% faster there than 8), 8 elsewhere.
        if isa(avx512) {
            out.split(y, yo, yi, 32).reorder(yo, yi, c, x).vectorize(x, 16).parallel(yo)
                .store_nontemporal();
            gray.compute_at(out, yi).store_at(out, yo).vectorize(x, 16);
            blur_y.compute_at(out, yi).store_at(out, yo).vectorize(x, 16);
            ratio.compute_at(out, yi).store_at(out, yo).vectorize(x, 16);
        } else {
            out.split(y, yo, yi, 32).reorder(yo, yi, c, x).vectorize(x, 8).parallel(yo)
                .store_nontemporal();
            gray.compute_at(out, yi).store_at(out, yo).vectorize(x, 8);
            blur_y.compute_at(out, yi).store_at(out, yo).vectorize(x, 8);
            ratio.compute_at(out, yi).store_at(out, yo).vectorize(x, 8);
        }
    }
}

/// The synthetic image of `scripts/halide_unsharp.py`: values in (0, 1].
pub fn image(h: usize, w: usize) -> Array3<f32> {
    Array3::from_shape_fn((3, h, w), |(c, y, x)| {
        (((x * 7 + y * 13 + c * 29) % 97) as f64 / 97.0 + 0.01) as f32
    })
}

/// The same computation as plain loops (two passes over whole images).
pub fn plain(input: &Array3<f32>, out: &mut Array3<f32>) {
    let (_, h, w) = input.dim();
    let norm = (2.0f32 * std::f32::consts::PI).sqrt() * 1.5;
    let k = [
        1.0 / norm,
        (-1.0f32 / 4.5).exp() / norm,
        (-4.0f32 / 4.5).exp() / norm,
        (-9.0f32 / 4.5).exp() / norm,
    ];
    let at = |c: usize, y: isize, x: isize| {
        input[[
            c,
            y.clamp(0, h as isize - 1) as usize,
            x.clamp(0, w as isize - 1) as usize,
        ]]
    };
    let gray = |y: isize, x: isize| 0.299 * at(0, y, x) + 0.587 * at(1, y, x) + 0.114 * at(2, y, x);
    let mut by = Array2::<f32>::zeros((h, w + 6));
    for y in 0..h as isize {
        for x in -3..w as isize + 3 {
            by[[y as usize, (x + 3) as usize]] = k[0] * gray(y, x)
                + k[1] * (gray(y - 1, x) + gray(y + 1, x))
                + k[2] * (gray(y - 2, x) + gray(y + 2, x))
                + k[3] * (gray(y - 3, x) + gray(y + 3, x));
        }
    }
    for y in 0..h {
        for x in 0..w {
            let b = |d: isize| by[[y, (x as isize + 3 + d) as usize]];
            let bx =
                k[0] * b(0) + k[1] * (b(-1) + b(1)) + k[2] * (b(-2) + b(2)) + k[3] * (b(-3) + b(3));
            let g = gray(y as isize, x as isize);
            let ratio = (2.0 * g - bx) / g;
            for c in 0..3 {
                out[[c, y, x]] = ratio * input[[c, y, x]];
            }
        }
    }
}

fn main() -> Result<(), Error> {
    // Halide's apps size: 1536 x 2560 (width x height).
    let (h, w) = (2560, 1536);
    let input = image(h, w);
    if std::env::args().any(|a| a == "--plain-only") {
        let mut expect = Array3::<f32>::zeros((3, h, w));
        println!(
            "{:.3}",
            best_of(3, &mut || plain(&input, &mut expect)) * 1e3
        );
        return Ok(());
    }
    let mut out = Array3::<f32>::zeros((3, h, w));
    let t = best_of(20, &mut || unsharp(input.view(), out.view_mut()).unwrap());
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let small = image(37, 29);
    let (mut got, mut want) = (
        Array3::<f32>::zeros((3, 37, 29)),
        Array3::<f32>::zeros((3, 37, 29)),
    );
    unsharp(small.view(), got.view_mut())?;
    unsharp::reference(small.view(), want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    let mut expect = Array3::<f32>::zeros((3, h, w));
    let t_plain = best_of(3, &mut || plain(&input, &mut expect));
    let worst = out
        .iter()
        .zip(&expect)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1e-3))
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "halite differs from the plain loop by {worst:e}"
    );
    println!(
        "unsharp mask of a {w}x{h} RGB f32 image, {} thread(s):",
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
