//! Halide's bilateral grid app (apps/bilateral_grid) in halite: an edge-preserving blur that
//! scatters the pixels of a gray image into a coarse 3-D grid (an update definition at a
//! computed index), blurs the grid with 5-tap filters along z, x and y, and reads it back by
//! trilinear interpolation. Checks itself against its `reference`, against the output of
//! Halide 21 (a golden file written by `scripts/halide_bilateral_grid.py --golden`) and
//! against a plain Rust loop, then prints the times. Images are `(y, x)`; Halide's
//! `f(x, y, z, c)` is `f(c, z, y, x)` here.
//!
//! `cargo run --release --example bilateral_grid [--halite-only | --plain-only]` (the flags print one time
//! in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::{best_of, max_abs_diff};

#[kernel]
pub fn bilateral_grid(
    input: ArrayView2<f32>,
    r_sigma: f32,
    out: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let clamped = repeat_edge(input);
    let (ry, rx) = rdom(0..8, 0..8);
    let val = clamped(y * 8 + ry - 4, x * 8 + rx - 4).clamp(0.0, 1.0);
    let zi = (val * (1.0 / r_sigma) + 0.5) as i32;
    histogram(c, z, y, x) = 0.0f32;
    histogram(c, zi, y, x) += if c == 0 { val } else { 1.0 };
    blurz(c, z, y, x) = histogram(c, z - 2, y, x)
        + histogram(c, z - 1, y, x) * 4.0
        + histogram(c, z, y, x) * 6.0
        + histogram(c, z + 1, y, x) * 4.0
        + histogram(c, z + 2, y, x);
    blurx(c, z, y, x) = blurz(c, z, y, x - 2)
        + blurz(c, z, y, x - 1) * 4.0
        + blurz(c, z, y, x) * 6.0
        + blurz(c, z, y, x + 1) * 4.0
        + blurz(c, z, y, x + 2);
    blury(c, z, y, x) = blurx(c, z, y - 2, x)
        + blurx(c, z, y - 1, x) * 4.0
        + blurx(c, z, y, x) * 6.0
        + blurx(c, z, y + 1, x) * 4.0
        + blurx(c, z, y + 2, x);
    let v = input(y, x).clamp(0.0, 1.0);
    let zv = v * (1.0 / r_sigma);
    let zi = zv as i32;
    let zf = zv - zi as f32;
    let xf = (x % 8) as f32 / 8.0;
    let yf = (y % 8) as f32 / 8.0;
    let xi = x / 8;
    let yi = y / 8;
    let a00 = blury(c, zi, yi, xi) * (1.0 - xf) + blury(c, zi, yi, xi + 1) * xf;
    let a01 = blury(c, zi, yi + 1, xi) * (1.0 - xf) + blury(c, zi, yi + 1, xi + 1) * xf;
    let a10 = blury(c, zi + 1, yi, xi) * (1.0 - xf) + blury(c, zi + 1, yi, xi + 1) * xf;
    let a11 = blury(c, zi + 1, yi + 1, xi) * (1.0 - xf) + blury(c, zi + 1, yi + 1, xi + 1) * xf;
    let b0 = a00 * (1.0 - yf) + a01 * yf;
    let b1 = a10 * (1.0 - yf) + a11 * yf;
    interpolated(c, y, x) = b0 * (1.0 - zf) + b1 * zf;
    out(y, x) = interpolated(0, y, x) / interpolated(1, y, x);
    schedule! {
        // Halide's CPU schedule: rows of the grid in parallel; for each, the histogram of its
        // 8x8-pixel cells and the z-blur of it; the x- and y-blurs vectorized over x; each
        // output row with the grid rows it reads. halite's vectorized loop is innermost, so
        // the unrolled channel loop `c` sits outside it (Halide puts it inside); `bound`
        // gives `unroll(c)` its extent. 16 lanes, AVX-512's width (Halide's app uses 8; 16
        // measured 7-10% faster here).
        blurz.compute_at(blurx, y).bound(c, 0, 2).split(x, x, xi, 16).reorder(y, x, z, c, xi).vectorize(xi).unroll(c);
        histogram.compute_at(blurz, y).bound(c, 0, 2);
        histogram.update(0).reorder(y, x, ry, rx, c).unroll(c);
        blurx.compute_root().bound(c, 0, 2).split(x, x, xi, 16).reorder(y, z, x, c, xi).parallel(y).vectorize(xi).unroll(c);
        blury.compute_at(out, y).bound(c, 0, 2).split(x, x, xi, 16).reorder(z, y, x, c, xi).reorder_storage(y, x, z, c).vectorize(xi).unroll(c);
        out.parallel(y, 8).vectorize(x, 16);
    }
}

/// The synthetic image of `scripts/halide_bilateral_grid.py`: values in [0, 1).
pub fn image(h: usize, w: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| {
        (((x * 7 + y * 13 + (x * y) % 11) % 97) as f64 / 97.0) as f32
    })
}

/// The same computation as plain loops over whole grids (offset by 2 cells and levels, the
/// reach of the blurs).
pub fn plain(input: &Array2<f32>, r_sigma: f32, out: &mut Array2<f32>) {
    let (h, w) = input.dim();
    let (gh, gw) = ((h - 1) / 8 + 2, (w - 1) / 8 + 2); // cells read: [0, gh) x [0, gw)
    let nz = (1.0f32 / r_sigma) as usize + 2; // levels read: [0, nz)
    let (hh, hw, hz) = (gh + 4, gw + 4, nz + 4);
    let mut hist = vec![0.0f32; 2 * hz * hh * hw];
    let at = |c: usize, z: usize, y: usize, x: usize| ((c * hz + z) * hh + y) * hw + x;
    for gy in 0..hh {
        for gx in 0..hw {
            for ry in 0..8 {
                for rx in 0..8 {
                    let py = (gy as isize - 2) * 8 + ry - 4;
                    let px = (gx as isize - 2) * 8 + rx - 4;
                    let v = input[[
                        py.clamp(0, h as isize - 1) as usize,
                        px.clamp(0, w as isize - 1) as usize,
                    ]]
                    .clamp(0.0, 1.0);
                    let z = (v * (1.0 / r_sigma) + 0.5) as usize + 2;
                    hist[at(0, z, gy, gx)] += v;
                    hist[at(1, z, gy, gx)] += 1.0;
                }
            }
        }
    }
    let taps = |a: f32, b: f32, c: f32, d: f32, e: f32| a + b * 4.0 + c * 6.0 + d * 4.0 + e;
    let mut bz = vec![0.0f32; 2 * hz * hh * hw];
    for c in 0..2 {
        for z in 2..nz + 2 {
            for y in 0..hh {
                for x in 0..hw {
                    let g = |dz: usize| hist[at(c, z + dz - 2, y, x)];
                    bz[at(c, z, y, x)] = taps(g(0), g(1), g(2), g(3), g(4));
                }
            }
        }
    }
    let mut bx = vec![0.0f32; 2 * hz * hh * hw];
    for c in 0..2 {
        for z in 2..nz + 2 {
            for y in 0..hh {
                for x in 2..gw + 2 {
                    let g = |dx: usize| bz[at(c, z, y, x + dx - 2)];
                    bx[at(c, z, y, x)] = taps(g(0), g(1), g(2), g(3), g(4));
                }
            }
        }
    }
    let mut by = vec![0.0f32; 2 * hz * hh * hw];
    for c in 0..2 {
        for z in 2..nz + 2 {
            for y in 2..gh + 2 {
                for x in 2..gw + 2 {
                    let g = |dy: usize| bx[at(c, z, y + dy - 2, x)];
                    by[at(c, z, y, x)] = taps(g(0), g(1), g(2), g(3), g(4));
                }
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            let v = input[[y, x]].clamp(0.0, 1.0);
            let zv = v * (1.0 / r_sigma);
            let zi = zv as i32;
            let zf = zv - zi as f32;
            let (xf, yf) = ((x % 8) as f32 / 8.0, (y % 8) as f32 / 8.0);
            let (xi, yi, z) = (x / 8 + 2, y / 8 + 2, zi as usize + 2);
            let mut res = [0.0f32; 2];
            for (c, r) in res.iter_mut().enumerate() {
                let g = |dz: usize, dy: usize, dx: usize| by[at(c, z + dz, yi + dy, xi + dx)];
                let a00 = g(0, 0, 0) * (1.0 - xf) + g(0, 0, 1) * xf;
                let a01 = g(0, 1, 0) * (1.0 - xf) + g(0, 1, 1) * xf;
                let a10 = g(1, 0, 0) * (1.0 - xf) + g(1, 0, 1) * xf;
                let a11 = g(1, 1, 0) * (1.0 - xf) + g(1, 1, 1) * xf;
                let b0 = a00 * (1.0 - yf) + a01 * yf;
                let b1 = a10 * (1.0 - yf) + a11 * yf;
                *r = b0 * (1.0 - zf) + b1 * zf;
            }
            out[[y, x]] = res[0] / res[1];
        }
    }
}

fn main() -> Result<(), Error> {
    // Halide's apps size: 1536 x 2560 (width x height); r_sigma 0.1 as in its tests.
    let (h, w, r_sigma) = (2560, 1536, 0.1f32);
    let input = image(h, w);
    if std::env::args().any(|a| a == "--plain-only") {
        let mut expect = Array2::<f32>::zeros((h, w));
        println!(
            "{:.3}",
            best_of(3, &mut || plain(&input, r_sigma, &mut expect)) * 1e3
        );
        return Ok(());
    }
    let mut out = Array2::<f32>::zeros((h, w));
    let t = best_of(20, &mut || {
        bilateral_grid(input.view(), r_sigma, out.view_mut()).unwrap()
    });
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let small = image(37, 45);
    let (mut got, mut want) = (
        Array2::<f32>::zeros((37, 45)),
        Array2::<f32>::zeros((37, 45)),
    );
    bilateral_grid(small.view(), r_sigma, got.view_mut())?;
    bilateral_grid::reference(small.view(), r_sigma, want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    let mut expect = Array2::<f32>::zeros((h, w));
    let t_plain = best_of(3, &mut || plain(&input, r_sigma, &mut expect));
    let worst = max_abs_diff(&out, &expect);
    assert!(
        worst <= 1e-5,
        "halite differs from the plain loop by {worst:e}"
    );
    println!(
        "Bilateral grid of a {w}x{h} f32 image, {} thread(s):",
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
