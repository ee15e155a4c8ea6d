//! Halide's local Laplacian filter (apps/local_laplacian) in halite: edge-aware detail
//! enhancement by Paris, Hasinoff and Kautz. The gray image is remapped at `levels` intensity
//! levels; each remapped image gets a Gaussian and a Laplacian pyramid of 8 levels; the output's
//! Laplacian pyramid picks, per pixel and level, between the two remapped pyramids nearest to the
//! input's own intensity; collapsing it gives the new intensity, and color is put back.
//! Pyramids are Func families written with `for` loops: `g[j]` is level `j`.
//!
//! Checks itself against its `reference`, Halide 21's output (a golden file written by
//! `scripts/halide_local_laplacian.py --golden`) and a plain Rust version, then prints times.
//! The input and output are planar 16-bit RGB `(channel, y, x)`.
//!
//! `cargo run --release --example local_laplacian [--halite-only | --plain-only]` (the flags
//! print one time in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// Local Laplacian filtering of a 16-bit RGB image: `alpha` scales detail (`> 0` enhances),
/// `beta` scales the range of large edges (`< 1` compresses it); `levels` intensity levels
/// (at least 2) sample the remapping.
#[kernel]
pub fn local_laplacian(
    input: ArrayView3<u16>,
    levels: i32,
    alpha: f32,
    beta: f32,
    out: ArrayViewMut3<u16>,
) -> Result<(), Error> {
    let pyramid = 8;

    // The remapping function as a lookup table, 256 entries per intensity level.
    let fx = i as f32 / 256.0;
    remap(i) = alpha * fx * (-fx * fx / 2.0).exp();

    let clamped = repeat_edge(input);
    floating(c, y, x) = clamped(c, y, x) as f32 / 65535.0;
    gray(y, x) = 0.299 * floating(0, y, x) + 0.587 * floating(1, y, x) + 0.114 * floating(2, y, x);

    // The processed Gaussian pyramids, one per intensity level k.
    let level = k as f32 * (1.0 / (levels - 1) as f32);
    let idx = ((gray(y, x) * (levels - 1) as f32 * 256.0) as i32).clamp(0, (levels - 1) * 256);
    g[0](k, y, x) = beta * (gray(y, x) - level) + level + remap(idx - 256 * k);
    for j in 1..pyramid {
        // Downsample with a 1 3 3 1 filter, first in x, then in y.
        gx[j](k, y, x) = (g[j - 1](k, y, 2 * x - 1)
            + 3.0 * (g[j - 1](k, y, 2 * x) + g[j - 1](k, y, 2 * x + 1))
            + g[j - 1](k, y, 2 * x + 2))
            / 8.0;
        g[j](k, y, x) = (gx[j](k, 2 * y - 1, x)
            + 3.0 * (gx[j](k, 2 * y, x) + gx[j](k, 2 * y + 1, x))
            + gx[j](k, 2 * y + 2, x))
            / 8.0;
    }

    // Their Laplacian pyramids: each level minus the next one upsampled (bilinearly).
    l[pyramid - 1](k, y, x) = g[pyramid - 1](k, y, x);
    for j in 0..pyramid - 1 {
        lx[j](k, y, x) = 0.25 * g[j + 1](k, y, x.div_euclid(2) - 1 + 2 * x.rem_euclid(2))
            + 0.75 * g[j + 1](k, y, x.div_euclid(2));
        l[j](k, y, x) = g[j](k, y, x)
            - (0.25 * lx[j](k, y.div_euclid(2) - 1 + 2 * y.rem_euclid(2), x)
                + 0.75 * lx[j](k, y.div_euclid(2), x));
    }

    // The Gaussian pyramid of the input.
    in_g[0](y, x) = gray(y, x);
    for j in 1..pyramid {
        in_gx[j](y, x) = (in_g[j - 1](y, 2 * x - 1)
            + 3.0 * (in_g[j - 1](y, 2 * x) + in_g[j - 1](y, 2 * x + 1))
            + in_g[j - 1](y, 2 * x + 2))
            / 8.0;
        in_g[j](y, x) = (in_gx[j](2 * y - 1, x)
            + 3.0 * (in_gx[j](2 * y, x) + in_gx[j](2 * y + 1, x))
            + in_gx[j](2 * y + 2, x))
            / 8.0;
    }

    // The output's Laplacian pyramid: interpolate between the two nearest processed levels.
    for j in 0..pyramid {
        let lv = in_g[j](y, x) * (levels - 1) as f32;
        let li = (lv as i32).clamp(0, levels - 2);
        let lf = lv - li as f32;
        out_l[j](y, x) = (1.0 - lf) * l[j](li, y, x) + lf * l[j](li + 1, y, x);
    }

    // Collapse it into the output's Gaussian pyramid.
    out_g[pyramid - 1](y, x) = out_l[pyramid - 1](y, x);
    for j in (0..pyramid - 1).rev() {
        out_gx[j](y, x) = 0.25 * out_g[j + 1](y, x.div_euclid(2) - 1 + 2 * x.rem_euclid(2))
            + 0.75 * out_g[j + 1](y, x.div_euclid(2));
        out_g[j](y, x) = 0.25 * out_gx[j](y.div_euclid(2) - 1 + 2 * y.rem_euclid(2), x)
            + 0.75 * out_gx[j](y.div_euclid(2), x)
            + out_l[j](y, x);
    }

    // Put the color back and convert to 16 bits.
    let eps = 0.01f32;
    color(c, y, x) = out_g[0](y, x) * (floating(c, y, x) + eps) / (gray(y, x) + eps);
    out(c, y, x) = (color(c, y, x).clamp(0.0, 1.0) * 65535.0) as u16;

    schedule! {
        // Halide's CPU schedule, with strips of 64 output rows in parallel. The large levels
        // of the pyramids are computed whole, in parallel over rows; the output pyramid's
        // first two levels per strip (Halide slides its first five along the strip; sliding
        // them in halite measured slower than computing levels 2-4 whole); the small levels
        // whole and serially. 16 lanes, AVX-512's width (Halide's app uses 8): 26% faster
        // than 8 here.
        remap.compute_root();
        out.split(y, yo, yi, 64).reorder(yo, yi, c, x).parallel(yo).vectorize(x, 16);
        gray.compute_root().parallel(y, 32).vectorize(x, 16);
        for j in 1..5 {
            in_g[j].compute_root().parallel(y, 32).vectorize(x, 16);
        }
        // Level 0 of the processed pyramids (a remapping-table lookup, a gather, per element)
        // is read 16 times per element of level 1 when inlined (4 x 4 taps, 4 rows of `gx[1]`
        // per row); Halide's schedule inlines it and spends 60% of its time on level 1. Here a
        // copy of it slides down each strip of 16 rows of level 1, each of its rows computed
        // once into a few rows of storage, so each element is looked up once (one thread:
        // 205 -> 115-126 ms, median of 5).
        g[1].compute_root()
            .reorder_storage(y, k, x)
            .split(y, yo, yi, 16)
            .reorder(yo, yi, k, x)
            .parallel(yo)
            .vectorize(x, 16);
        g[0].clone_in(gx[1]).store_at(g[1], yo).compute_at(g[1], yi).vectorize(x, 16);
        for j in 2..5 {
            g[j].compute_root().reorder_storage(y, k, x).reorder(y, k, x).parallel(y, 8).vectorize(x, 16);
        }
        for j in 2..5 {
            out_g[j].compute_root().parallel(y, 8).vectorize(x, 16);
        }
        out_g[0].compute_at(out, yi).vectorize(x, 16);
        out_g[1].compute_at(out, yo).vectorize(x, 16);
        for j in 5..pyramid {
            in_g[j].compute_root();
            g[j].compute_root().parallel(k);
            out_g[j].compute_root();
        }
    }
}

/// The synthetic image of `scripts/halide_local_laplacian.py`.
pub fn image(h: usize, w: usize) -> Array3<u16> {
    Array3::from_shape_fn((3, h, w), |(c, y, x)| {
        ((x * 37 + y * 91 + c * 1013 + (x * y) % 251 * 97) % 65536) as u16
    })
}

/// One level of a pyramid as a plain array; reads outside it repeat its edge.
fn at(a: &Array2<f32>, y: isize, x: isize) -> f32 {
    let (h, w) = a.dim();
    a[[
        y.clamp(0, h as isize - 1) as usize,
        x.clamp(0, w as isize - 1) as usize,
    ]]
}

/// Blur with a [1 3 3 1] filter and keep every other pixel, in x then in y.
fn down(a: &Array2<f32>) -> Array2<f32> {
    let (h, w) = a.dim();
    let dx = Array2::from_shape_fn((h, w.div_ceil(2)), |(y, x)| {
        let (y, x) = (y as isize, 2 * x as isize);
        (at(a, y, x - 1) + 3.0 * (at(a, y, x) + at(a, y, x + 1)) + at(a, y, x + 2)) / 8.0
    });
    Array2::from_shape_fn((h.div_ceil(2), w.div_ceil(2)), |(y, x)| {
        let (y, x) = (2 * y as isize, x as isize);
        (at(&dx, y - 1, x) + 3.0 * (at(&dx, y, x) + at(&dx, y + 1, x)) + at(&dx, y + 2, x)) / 8.0
    })
}

/// Bilinear upsampling to `(h, w)`, in x then in y.
fn up(a: &Array2<f32>, h: usize, w: usize) -> Array2<f32> {
    let ux = Array2::from_shape_fn((a.nrows(), w), |(y, x)| {
        let (y, x) = (y as isize, x as isize);
        0.25 * at(a, y, x / 2 - 1 + 2 * (x % 2)) + 0.75 * at(a, y, x / 2)
    });
    Array2::from_shape_fn((h, w), |(y, x)| {
        let (y, x) = (y as isize, x as isize);
        0.25 * at(&ux, y / 2 - 1 + 2 * (y % 2), x) + 0.75 * at(&ux, y / 2, x)
    })
}

/// The same filter as plain loops over whole images, one level at a time, each level the size
/// of its image (edges repeated at every level, not only at the input's, so values near the
/// borders differ slightly from the kernel's).
pub fn plain(input: &Array3<u16>, levels: i32, alpha: f32, beta: f32, out: &mut Array3<u16>) {
    const J: usize = 8;
    let (_, h, w) = input.dim();
    let n = levels as usize;
    let floating = |c: usize, y: usize, x: usize| input[[c, y, x]] as f32 / 65535.0;
    let gray = Array2::from_shape_fn((h, w), |(y, x)| {
        0.299 * floating(0, y, x) + 0.587 * floating(1, y, x) + 0.114 * floating(2, y, x)
    });
    let remap = |i: i32| {
        let fx = i as f32 / 256.0;
        alpha * fx * (-fx * fx / 2.0).exp()
    };
    // The Laplacian pyramid of each processed image, and the input's Gaussian pyramid.
    let laplacian = |g0: Array2<f32>| {
        let mut g = vec![g0];
        for j in 1..J {
            let next = down(&g[j - 1]);
            g.push(next);
        }
        (0..J)
            .map(|j| match g.get(j + 1) {
                Some(next) => &g[j] - &up(next, g[j].nrows(), g[j].ncols()),
                None => g[j].clone(),
            })
            .collect::<Vec<_>>()
    };
    let processed: Vec<Vec<Array2<f32>>> = (0..n)
        .map(|k| {
            let level = k as f32 * (1.0 / (levels - 1) as f32);
            laplacian(gray.mapv(|v| {
                let idx = ((v * (levels - 1) as f32 * 256.0) as i32).clamp(0, (levels - 1) * 256);
                beta * (v - level) + level + remap(idx - 256 * k as i32)
            }))
        })
        .collect();
    let mut in_g = vec![gray.clone()];
    for j in 1..J {
        let next = down(&in_g[j - 1]);
        in_g.push(next);
    }
    // The output's Laplacian pyramid, collapsed.
    let mut result: Option<Array2<f32>> = None;
    for j in (0..J).rev() {
        let out_l = Array2::from_shape_fn(in_g[j].dim(), |(y, x)| {
            let lv = in_g[j][[y, x]] * (levels - 1) as f32;
            let li = (lv as i32).clamp(0, levels - 2) as usize;
            let lf = lv - li as f32;
            (1.0 - lf) * processed[li][j][[y, x]] + lf * processed[li + 1][j][[y, x]]
        });
        result = Some(match result {
            None => out_l,
            Some(coarser) => up(&coarser, out_l.nrows(), out_l.ncols()) + &out_l,
        });
    }
    let out_g = result.expect("at least one level");
    for c in 0..3 {
        for y in 0..h {
            for x in 0..w {
                let color = out_g[[y, x]] * (floating(c, y, x) + 0.01) / (gray[[y, x]] + 0.01);
                out[[c, y, x]] = (color.clamp(0.0, 1.0) * 65535.0) as u16;
            }
        }
    }
}

fn main() -> Result<(), Error> {
    // Halide's apps size: 1536 x 2560 (width x height); levels 8, alpha 1, beta 1.
    let (h, w) = (2560, 1536);
    let input = image(h, w);
    let mut expect = Array3::<u16>::zeros((3, h, w));
    if std::env::args().any(|a| a == "--plain-only") {
        let t = best_of(2, &mut || plain(&input, 8, 1.0, 1.0, &mut expect));
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let mut out = Array3::<u16>::zeros((3, h, w));
    let t = best_of(10, &mut || {
        local_laplacian(input.view(), 8, 1.0, 1.0, out.view_mut()).unwrap()
    });
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let small = image(40, 31);
    let (mut got, mut want) = (
        Array3::<u16>::zeros((3, 40, 31)),
        Array3::<u16>::zeros((3, 40, 31)),
    );
    local_laplacian(small.view(), 8, 1.0, 1.0, got.view_mut())?;
    local_laplacian::reference(small.view(), 8, 1.0, 1.0, want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    let t_plain = best_of(2, &mut || plain(&input, 8, 1.0, 1.0, &mut expect));
    // The plain version repeats edges at every level: compare on average.
    let mean = out
        .iter()
        .zip(&expect)
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / out.len() as f64;
    assert!(
        mean < 2000.0,
        "halite differs from the plain loops by {mean} on average"
    );
    println!(
        "local Laplacian of a {w}x{h} RGB u16 image, {} thread(s):",
        rayon::current_num_threads()
    );
    println!("  halite      {:8.3} ms", t * 1e3);
    println!(
        "  plain loop  {:8.3} ms  ({:.1}x; mean difference {mean:.1} of 65535)",
        t_plain * 1e3,
        t_plain / t
    );
    Ok(())
}
