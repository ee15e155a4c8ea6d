//! Kernel `for` loops and Func families (`g[j]`): pyramids and long chains of Funcs, against
//! the reference and hand-written loops.

use halite::prelude::*;

/// A 24-stage chain of 3-tap blurs, each stage computed at root: the regions of each stage are
/// written in terms of the next one's, which must stay linear in the number of stages.
#[kernel]
pub fn chain24(input: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let stages = 24;
    f[0](x) = input(x);
    for j in 1..=stages {
        f[j](x) = f[j - 1](x) + 2 * f[j - 1](x + 1) + f[j - 1](x + 2) + j;
    }
    out(x) = f[stages](x);
    schedule! {
        for j in (1..stages).step_by(2) {
            f[j].compute_root().vectorize(x, 8);
            f[j + 1].compute_root().parallel(x, 64);
        }
    }
}

#[test]
fn a_long_chain_of_root_funcs_lowers_to_a_small_nest() {
    // Before regions were named by their consumers', this nest was exponential in size.
    assert!(
        chain24::loop_nest().len() < 60_000,
        "{} bytes",
        chain24::loop_nest().len()
    );
    for n in [1, 7, 100] {
        let input = Array1::from_shape_fn(n + 48, |i| (i as i32 * 7919) % 101 - 50);
        let mut want = input.clone();
        for j in 1..=24 {
            let len = want.len() - 2;
            want = Array1::from_shape_fn(len, |x| {
                want[x]
                    .wrapping_add(2i32.wrapping_mul(want[x + 1]))
                    .wrapping_add(want[x + 2])
                    .wrapping_add(j)
            });
        }
        let mut got = Array1::<i32>::zeros(n);
        chain24(input.view(), got.view_mut()).unwrap();
        assert_eq!(got, want);
        let mut r = Array1::<i32>::zeros(n);
        chain24::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(got, r);
        // One element too few.
        let short = input.slice(s![..n + 47]);
        assert!(chain24(short, got.view_mut()).is_err());
    }
}

/// A 5-level Laplacian-style pyramid: down with a [1 3 3 1] filter, back up bilinearly, and
/// the detail of every level added back (so the output is the input, up to rounding).
#[kernel]
pub fn pyramid(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let levels = 5;
    let clamped = repeat_edge(input);
    g[0](y, x) = clamped(y, x);
    for j in 1..levels {
        gx[j](y, x) = (g[j - 1](y, 2 * x - 1)
            + 3.0 * (g[j - 1](y, 2 * x) + g[j - 1](y, 2 * x + 1))
            + g[j - 1](y, 2 * x + 2))
            / 8.0;
        g[j](y, x) = (gx[j](2 * y - 1, x)
            + 3.0 * (gx[j](2 * y, x) + gx[j](2 * y + 1, x))
            + gx[j](2 * y + 2, x))
            / 8.0;
    }
    for j in 0..levels - 1 {
        let up = 0.25 * g[j + 1](y.div_euclid(2) - 1 + 2 * y.rem_euclid(2), x.div_euclid(2))
            + 0.75 * g[j + 1](y.div_euclid(2), x.div_euclid(2));
        detail[j](y, x) = g[j](y, x) - up;
    }
    rebuilt[levels - 1](y, x) = g[levels - 1](y, x);
    for j in (0..levels - 1).rev() {
        rebuilt[j](y, x) = 0.25
            * rebuilt[j + 1](y.div_euclid(2) - 1 + 2 * y.rem_euclid(2), x.div_euclid(2))
            + 0.75 * rebuilt[j + 1](y.div_euclid(2), x.div_euclid(2))
            + detail[j](y, x);
    }
    out(y, x) = rebuilt[0](y, x);
    schedule! {
        out.split(y, yo, yi, 16).parallel(yo).vectorize(x, 8);
        for j in 1..levels {
            g[j].compute_root().parallel(y, 8).vectorize(x, 8);
            rebuilt[j].compute_root().vectorize(x, 4);
        }
        rebuilt[0].compute_at(out, yo).vectorize(x, 8);
    }
}

#[test]
fn a_pyramid_written_with_for_loops_equals_its_reference() {
    for (h, w) in [(1, 1), (9, 30), (40, 17)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| ((y * 31 + x * 17) % 23) as f32 / 23.0);
        let mut got = Array2::<f32>::zeros((h, w));
        pyramid(input.view(), got.view_mut()).unwrap();
        let mut r = Array2::<f32>::zeros((h, w));
        pyramid::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(got, r, "{h}x{w}");
        // Detail added back level by level rebuilds the input, up to rounding.
        for (a, b) in got.iter().zip(&input) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
    // The loop nest names family members by their Funcs.
    assert!(pyramid::loop_nest().contains("produce g_4:"));
}

/// A pyramid whose upsampled levels (two reads each, `x / 2` and `(x + 1) / 2`) are all
/// computed per strip of the output: each level's region is written in terms of the next
/// one's. This took minutes and aborted rustc at 7 levels before the simplifier knew that
/// flooring division is monotone (the regions doubled per level).
#[kernel]
pub fn up_chain(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let levels = 7;
    let clamped = repeat_edge(input);
    down[0](y, x) = clamped(y, x);
    for l in 1..levels {
        down[l](y, x) = (down[l - 1](2 * y, 2 * x) + down[l - 1](2 * y + 1, 2 * x + 1)) * 0.5;
    }
    up[levels - 1](y, x) = down[levels - 1](y, x);
    for l in (0..levels - 1).rev() {
        up[l](y, x) = down[l](y, x)
            + up[l + 1](y.div_euclid(2), x.div_euclid(2))
            + up[l + 1]((y + 1).div_euclid(2), (x + 1).div_euclid(2));
    }
    out(y, x) = up[0](y, x);
    schedule! {
        out.split(y, yo, yi, 16).parallel(yo).vectorize(x, 8);
        for l in 1..levels {
            down[l].compute_root();
            up[l].compute_at(out, yo).vectorize(x, 8);
        }
    }
}

#[test]
fn a_chain_of_upsampled_levels_per_strip_stays_small_and_exact() {
    assert!(
        up_chain::loop_nest().len() < 150_000,
        "the loop nest grew to {} bytes",
        up_chain::loop_nest().len()
    );
    for (h, w) in [(70, 45), (1, 1), (33, 9)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| ((y * 13 + x * 7) % 11) as f32);
        let (mut a, mut b) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        up_chain(input.view(), a.view_mut()).unwrap();
        up_chain::reference(input.view(), b.view_mut()).unwrap();
        assert_eq!(a, b, "{h}x{w}");
    }
}
