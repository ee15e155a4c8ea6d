//! Halide's multi-scale interpolation (apps/interpolate) in halite: fills the transparent parts of
//! an RGBA image from its opaque parts. The image, premultiplied by its alpha, is reduced to a
//! pyramid of 10 levels; going back up, each level keeps its own pixels where they are opaque and
//! takes the coarser level's, upsampled, where they are not; dividing by the resulting alpha
//! undoes the premultiplication. Pyramids are Func families written with `for` loops.
//!
//! Checks itself against its `reference` and a plain Rust version, then prints times
//! (`tests/apps.rs` compares it with Halide 21's output, a golden file written by
//! `scripts/halide_interpolate.py --golden`). The input is planar f32 RGBA `(channel, y, x)`, the
//! output planar RGB.
//!
//! `cargo run --release --example interpolate [--halite-only | --plain-only]` (the flags print
//! one time in ms, for `scripts/compare_apps.sh`)

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::{best_of, max_abs_diff};

/// Multi-scale interpolation of an RGBA image (4 channels, straight alpha) into RGB.
#[kernel]
pub fn interpolate(input: ArrayView3<f32>, out: ArrayViewMut3<f32>) -> Result<(), Error> {
    let levels = 10;
    let clamped = repeat_edge(input);
    // Level 0: colour premultiplied by alpha, and alpha.
    down[0](c, y, x) = if c < 3 {
        clamped(c, y, x) * clamped(3, y, x)
    } else {
        clamped(3, y, x)
    };
    for l in 1..levels {
        // Downsample with a 1 2 1 filter, first in x, then in y.
        if l == 4 {
            // As in Halide's app: a boundary condition at a middle level keeps the footprint of
            // the coarse levels from reaching far outside the image.
            let h = input.shape()[1] / (1 << (l - 1));
            let w = input.shape()[2] / (1 << (l - 1));
            below[l](c, y, x) = down[l - 1](c, y.clamp(0, h), x.clamp(0, w));
            downx[l](c, y, x) = (below[l](c, y, 2 * x - 1)
                + 2.0 * below[l](c, y, 2 * x)
                + below[l](c, y, 2 * x + 1))
                * 0.25;
        } else {
            downx[l](c, y, x) = (down[l - 1](c, y, 2 * x - 1)
                + 2.0 * down[l - 1](c, y, 2 * x)
                + down[l - 1](c, y, 2 * x + 1))
                * 0.25;
        }
        down[l](c, y, x) =
            (downx[l](c, 2 * y - 1, x) + 2.0 * downx[l](c, 2 * y, x) + downx[l](c, 2 * y + 1, x))
                * 0.25;
    }

    // Back up: where a level is transparent, take the coarser level upsampled.
    interp[levels - 1](c, y, x) = down[levels - 1](c, y, x);
    for l in (0..levels - 1).rev() {
        upx[l](c, y, x) = (interp[l + 1](c, y, x.div_euclid(2))
            + interp[l + 1](c, y, (x + 1).div_euclid(2)))
            / 2.0;
        up[l](c, y, x) =
            (upx[l](c, y.div_euclid(2), x) + upx[l](c, (y + 1).div_euclid(2), x)) / 2.0;
        interp[l](c, y, x) = down[l](c, y, x) + (1.0 - down[l](3, y, x)) * up[l](c, y, x);
    }

    // Undo the premultiplication.
    out(c, y, x) = interp[0](c, y, x) / interp[0](3, y, x);

    schedule! {
        // Halide's CPU schedule, adapted: the downsampled levels computed whole, in parallel
        // over rows; the output in parallel strips of 32 rows. Halide slides the upsampled
        // levels along each strip (`store_at(out, yo).compute_at(out, yi)`) and computes a
        // copy of level 0 per row of level 1 (`clone_in`). halite computes the four finest
        // upsampled levels per strip, the others whole, and reads level 0 inlined (a copy per
        // strip of level 1 measured slower). (Halide's sliding schedule works too, all nine
        // levels in two rows of storage each, but measured 5-10% slower here.)
        // The channel loop is unrolled inside each 16-lane step of `x` (`split` + `reorder` +
        // `unroll(c)`): level 1 then reads the rows of all four input channels at once, which
        // keeps more of memory busy than one channel's row after another (one thread: 17.3 ->
        // 15.0 ms, median of 8), and the output computes level 0's alpha once for its three
        // channels (19.5 -> 17.3 ms). Unrolling `c` also takes level 0's colour-or-alpha
        // select out of the vector loop. 16 lanes, as Halide's `natural_vector_size` with
        // AVX-512: 10-15% faster than 8 here once 16-lane stride-2 reads became a two-source
        // permutation (`vpermt2ps`).
        for l in 1..levels - 1 {
            down[l]
                .compute_root()
                .bound(c, 0, 4)
                .split(x, xo, xi, 16)
                .reorder(y, xo, c, xi)
                .parallel(y, 8)
                .vectorize(xi)
                .unroll(c);
        }
        out.bound(c, 0, 3)
            .split(y, yo, yi, 32)
            .split(x, xo, xi, 16)
            .reorder(yo, yi, xo, c, xi)
            .parallel(yo)
            .vectorize(xi)
            .unroll(c);
        for l in 1..5 {
            interp[l].compute_at(out, yo).vectorize(x, 16);
        }
        for l in 5..levels {
            interp[l].compute_root().parallel(y, 8).vectorize(x, 16);
        }
    }
}

/// The synthetic image of `scripts/halide_interpolate.py`: straight colour, alpha 1 on a sparse
/// lattice of dots and 0 elsewhere.
pub fn image(h: usize, w: usize) -> Array3<f32> {
    Array3::from_shape_fn((4, h, w), |(c, y, x)| {
        if c == 3 {
            let dot = (x % 7 == 3 && y % 5 == 2) || (x + 2 * y) % 23 == 0;
            if dot {
                1.0
            } else {
                0.0
            }
        } else {
            (((x * 37 + y * 91 + c * 1013 + (x * y) % 251 * 97) % 1000) as f64 / 1000.0) as f32
        }
    })
}

/// One level as a plain array `(channel, y, x)`; reads outside it repeat its edge.
fn at(a: &Array3<f32>, c: usize, y: isize, x: isize) -> f32 {
    let (_, h, w) = a.dim();
    a[[
        c,
        y.clamp(0, h as isize - 1) as usize,
        x.clamp(0, w as isize - 1) as usize,
    ]]
}

/// The same algorithm as plain loops over whole levels, one level at a time, each level the
/// size of its image rounded up (edges repeated at every level, not only at the input's, so
/// values near the borders differ slightly from the kernel's).
pub fn plain(input: &Array3<f32>, out: &mut Array3<f32>) {
    const LEVELS: usize = 10;
    let (_, h, w) = input.dim();
    let mut down = vec![Array3::from_shape_fn((4, h, w), |(c, y, x)| {
        let a = input[[3, y, x]];
        if c < 3 {
            input[[c, y, x]] * a
        } else {
            a
        }
    })];
    for l in 1..LEVELS {
        let prev = &down[l - 1];
        let (_, ph, pw) = prev.dim();
        let dx = Array3::from_shape_fn((4, ph, pw.div_ceil(2)), |(c, y, x)| {
            let (y, x) = (y as isize, 2 * x as isize);
            (at(prev, c, y, x - 1) + 2.0 * at(prev, c, y, x) + at(prev, c, y, x + 1)) * 0.25
        });
        let next = Array3::from_shape_fn((4, ph.div_ceil(2), pw.div_ceil(2)), |(c, y, x)| {
            let (y, x) = (2 * y as isize, x as isize);
            (at(&dx, c, y - 1, x) + 2.0 * at(&dx, c, y, x) + at(&dx, c, y + 1, x)) * 0.25
        });
        down.push(next);
    }
    let mut interp = down[LEVELS - 1].clone();
    for l in (0..LEVELS - 1).rev() {
        let d = &down[l];
        let (_, h, w) = d.dim();
        let ux = Array3::from_shape_fn((4, interp.dim().1, w), |(c, y, x)| {
            let (y, x) = (y as isize, x as isize);
            (at(&interp, c, y, x / 2) + at(&interp, c, y, (x + 1) / 2)) / 2.0
        });
        interp = Array3::from_shape_fn((4, h, w), |(c, y, x)| {
            let (yi, xi) = (y as isize, x as isize);
            let up = (at(&ux, c, yi / 2, xi) + at(&ux, c, (yi + 1) / 2, xi)) / 2.0;
            d[[c, y, x]] + (1.0 - d[[3, y, x]]) * up
        });
    }
    for c in 0..3 {
        for y in 0..h {
            for x in 0..w {
                out[[c, y, x]] = interp[[c, y, x]] / interp[[3, y, x]];
            }
        }
    }
}

fn main() -> Result<(), Error> {
    // Halide's apps size: 1536 x 2560 (width x height).
    let (h, w) = (2560, 1536);
    let input = image(h, w);
    let mut expect = Array3::<f32>::zeros((3, h, w));
    if std::env::args().any(|a| a == "--plain-only") {
        let t = best_of(3, &mut || plain(&input, &mut expect));
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let mut out = Array3::<f32>::zeros((3, h, w));
    let t = best_of(20, &mut || {
        interpolate(input.view(), out.view_mut()).unwrap()
    });
    if std::env::args().any(|a| a == "--halite-only") {
        println!("{:.3}", t * 1e3);
        return Ok(());
    }
    let small = image(40, 31);
    let (mut got, mut want) = (
        Array3::<f32>::zeros((3, 40, 31)),
        Array3::<f32>::zeros((3, 40, 31)),
    );
    interpolate(small.view(), got.view_mut())?;
    interpolate::reference(small.view(), want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    let t_plain = best_of(3, &mut || plain(&input, &mut expect));
    // The plain version repeats edges at every level: compare on average.
    let mean = out
        .iter()
        .zip(&expect)
        .map(|(a, b)| (a - b).abs() as f64)
        .sum::<f64>()
        / out.len() as f64;
    assert!(
        mean < 0.05,
        "halite differs from the plain loops by {mean} on average"
    );
    println!(
        "interpolation of a {w}x{h} RGBA f32 image, {} thread(s):",
        rayon::current_num_threads()
    );
    println!("  halite      {:8.3} ms", t * 1e3);
    println!(
        "  plain loop  {:8.3} ms  ({:.1}x; mean difference {mean:.4}, largest {:.3})",
        t_plain * 1e3,
        t_plain / t,
        max_abs_diff(&out, &expect)
    );
    Ok(())
}
