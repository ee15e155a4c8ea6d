//! `rfactor` (DESIGN.md section 4): reductions regrouped so that their factored variable can be
//! vectorized or parallelized. Integer results are exact; float sums are regrouped, so they are
//! compared with a relative tolerance.

use halite::prelude::*;

fn pattern_i32(h: usize, w: usize) -> Array2<i32> {
    Array2::from_shape_fn((h, w), |(y, x)| {
        ((y * 131 + x * 17 + y * x) % 1999) as i32 - 900
    })
}

/// Row sums with the row split by 16 and the inner part factored out and vectorized.
#[kernel]
fn row_sums(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0;
    out(y) += a(y, r);
    schedule! {
        out.update(0).split(r, ro, ri, 16);
        let intm = out.update(0).rfactor(ri, u);
        intm.compute_at(out, y).vectorize(u, 16);
        intm.update(0).reorder(ro, u).vectorize(u, 16);
    }
}

#[test]
fn vectorized_row_sums_are_exact() {
    let text = row_sums::loop_nest();
    assert!(text.contains("produce intm"), "{text}");
    assert!(text.contains("vectorized"), "{text}");
    for (h, w) in [(3, 64), (5, 17), (1, 1), (4, 0), (2, 15), (7, 333)] {
        let a = pattern_i32(h, w);
        let mut out = Array1::<i32>::zeros(h);
        let mut r = Array1::<i32>::zeros(h);
        row_sums(a.view(), out.view_mut()).unwrap();
        row_sums::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w}");
        assert_eq!(out, a.sum_axis(Axis(1)));
    }
}

/// Row sums and maxima over 64 factored lanes (four vectors of accumulators, to break the
/// chain of one vector's additions): the steady state keeps the four vectors in registers.
#[kernel]
fn row_sums_four_vectors(
    a: ArrayView2<i32>,
    sums: ArrayViewMut1<i32>,
    maxima: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    s(y) = 0;
    s(y) += a(y, r);
    m(y) = i32::MIN;
    m(y) = m(y).max(a(y, r));
    sums(y) = s(y);
    maxima(y) = m(y);
    schedule! {
        s.compute_at(sums, y);
        m.compute_at(maxima, y);
        s.update(0).split(r, ro, ri, 64);
        let si = s.update(0).rfactor(ri, u);
        si.compute_at(sums, y).vectorize(u, 16);
        si.update(0).reorder(ro, u).vectorize(u, 16);
        m.update(0).split(r, mo, mi, 64);
        let mi_ = m.update(0).rfactor(mi, u);
        mi_.compute_at(maxima, y).vectorize(u, 16);
        mi_.update(0).reorder(mo, u).vectorize(u, 16);
    }
}

#[test]
fn four_vectors_of_factored_lanes_are_exact() {
    let text = row_sums_four_vectors::loop_nest();
    assert!(text.contains("si.s1.ro.steady"), "{text}");
    for (h, w) in [
        (3, 64),
        (5, 17),
        (1, 1),
        (4, 0),
        (2, 65),
        (7, 333),
        (2, 256),
        (3, 191),
    ] {
        use halite::rt::Isa;
        let a = pattern_i32(h, w);
        let (mut rs, mut rm) = (Array1::<i32>::zeros(h), Array1::<i32>::zeros(h));
        row_sums_four_vectors::reference(a.view(), rs.view_mut(), rm.view_mut()).unwrap();
        assert_eq!(rs, a.sum_axis(Axis(1)));
        let want = a.map_axis(Axis(1), |row| row.iter().copied().fold(i32::MIN, i32::max));
        assert_eq!(rm, want, "{h}x{w}");
        for isa in [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon] {
            if !isa.supported() {
                continue;
            }
            let (mut s, mut m) = (Array1::<i32>::zeros(h), Array1::<i32>::zeros(h));
            halite::rt::isa::with_isa(isa, || {
                row_sums_four_vectors(a.view(), s.view_mut(), m.view_mut())
            })
            .unwrap();
            assert_eq!((&s, &m), (&rs, &rm), "{h}x{w} on {isa:?}");
        }
    }
}

/// The same with the factored variable left in its default place, outside the reduction
/// loop: the predicate `ro * 16 + u < n` then keeps the reads inside the row although `u` is
/// not the innermost loop, so any width is accepted (the entry check once asked for the row
/// rounded up to 16).
#[kernel]
fn row_sums_u_outside(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0;
    out(y) += a(y, r);
    schedule! {
        let intm = out.update(0).split(r, ro, ri, 16).rfactor(ri, u);
        intm.compute_at(out, y).vectorize(u, 16);
    }
}

#[test]
fn factored_reads_stay_inside_every_width() {
    let text = row_sums_u_outside::loop_nest();
    assert!(text.contains("for intm.s1.u"), "{text}");
    for w in [0, 1, 7, 15, 16, 17, 40] {
        let a = pattern_i32(3, w);
        let mut out = Array1::<i32>::zeros(3);
        row_sums_u_outside(a.view(), out.view_mut()).unwrap();
        assert_eq!(out, a.sum_axis(Axis(1)), "width {w}");
    }
}

/// A window whose factored variable is read at an offset by a pure variable of the
/// intermediate (`g(y + ry, x + rxo * 8 + u)`, `x` a loop outside `u`): the predicate
/// `rxo * 8 + u < 4` bounds the read at `x + 3`, so an input of exactly the size the algorithm
/// reads is enough (the entry check once asked for 4 more columns, the split's factor 8 past
/// the window of 4).
#[kernel]
fn box_factored(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..3, 0..4);
    g(y, x) = input(y, x) * 3 - input(y + 1, x);
    t(y, x) = 0;
    t(y, x) += g(y + ry, x + rx);
    out(y, x) = t(y, x);
    schedule! {
        g.compute_root();
        t.compute_root();
        t.update(0).split(rx, rxo, rxi, 8);
        let part = t.update(0).rfactor(rxi, u);
        part.compute_root();
    }
}

#[test]
fn factored_windows_read_only_the_window() {
    for (h, w) in [(1, 1), (2, 5), (6, 13)] {
        let input = pattern_i32(h + 3, w + 3);
        let mut got = Array2::<i32>::zeros((h, w));
        box_factored(input.view(), got.view_mut()).unwrap();
        let want = Array2::from_shape_fn((h, w), |(y, x)| {
            let g = |y: usize, x: usize| input[[y, x]] * 3 - input[[y + 1, x]];
            (0..3)
                .flat_map(|ry| (0..4).map(move |rx| (ry, rx)))
                .map(|(ry, rx)| g(y + ry, x + rx))
                .sum()
        });
        assert_eq!(got, want, "{h}x{w}");
    }
}

/// A predicate that reads at the point, factored: the split's own predicate `ro * 8 + u < n`
/// is tested first, so the user's `a(r) > t` reads only inside the domain (the entry check once
/// asked for the input rounded up to 8).
#[kernel]
fn sum_above(a: ArrayView1<i64>, t: i64, out: ArrayViewMut1<i64>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    r.where_(a(r) > t);
    out(i) = 0;
    out(i) += a(r) * (i as i64 + 1);
    schedule! {
        out.update(0).split(r, ro, ri, 8);
        let intm = out.update(0).rfactor(ri, u);
        intm.compute_root();
        intm.update(0).reorder(i, ro, u).vectorize(u, 4);
    }
}

#[test]
fn factored_predicates_read_inside_the_domain() {
    for n in [0, 1, 7, 8, 9, 30] {
        let a = Array1::from_shape_fn(n, |i| (i as i64 * 7919) % 1000 - 500);
        for t in [-1000, 0, 300] {
            let (mut got, mut want) = (Array1::zeros(3), Array1::zeros(3));
            sum_above(a.view(), t, got.view_mut()).unwrap();
            sum_above::reference(a.view(), t, want.view_mut()).unwrap();
            assert_eq!(got, want, "n = {n}, t = {t}");
        }
    }
}

/// A float dot product of every row with a vector: the sum is regrouped in 8 partial sums.
#[kernel]
fn mat_vec(a: ArrayView2<f32>, v: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    out(i) = 0.0;
    out(i) = a(i, k).mul_add(v(k), out(i));
    schedule! {
        out.update(0).split(k, ko, ki, 8);
        let part = out.update(0).rfactor(ki, lane);
        part.update(0).reorder(ko, lane).vectorize(lane, 8);
    }
}

#[test]
fn regrouped_float_sum_is_within_tolerance() {
    for (h, w) in [(3, 64), (5, 19), (1, 1), (2, 1000)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 23) as f32 * 0.37 - 2.5);
        let v = Array1::from_shape_fn(w, |x| (x % 5) as f32 * 0.5 - 1.0);
        let mut out = Array1::<f32>::zeros(h);
        let mut r = Array1::<f32>::zeros(h);
        mat_vec(a.view(), v.view(), out.view_mut()).unwrap();
        mat_vec::reference(a.view(), v.view(), r.view_mut()).unwrap();
        for (x, y) in out.iter().zip(&r) {
            let scale = a.iter().map(|e| e.abs()).sum::<f32>() * 1.5;
            assert!(
                (x - y).abs() <= 1e-5 * scale.max(1.0),
                "{h}x{w}: {x} vs {y}"
            );
        }
    }
}

/// A histogram whose rows are counted in parallel into per-row partial histograms.
#[kernel]
fn histogram(input: ArrayView2<u8>, hist: ArrayViewMut1<u32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    hist(b) = 0;
    hist(input(ry, rx) as i32) += 1;
    schedule! {
        let rows = hist.update(0).rfactor(ry, y);
        rows.compute_root().update(0).parallel(y);
        hist.update(0).reorder(ry, b);
    }
}

#[test]
fn parallel_histogram_is_exact() {
    for (h, w) in [(4, 64), (33, 17), (1, 1), (0, 3), (100, 100)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| ((y * 37 + x * 11 + y * x) % 256) as u8);
        let mut out = Array1::<u32>::zeros(256);
        let mut r = Array1::<u32>::zeros(256);
        histogram(input.view(), out.view_mut()).unwrap();
        histogram::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w}");
        assert_eq!(out.sum() as usize, h * w);
    }
}

/// The maximum of each column, factored over blocks of rows.
#[kernel]
fn col_max(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.nrows());
    out(x) = -2147483648;
    out(x) = out(x).max(a(r, x));
    schedule! {
        out.update(0).split(r, ro, ri, 4);
        let m = out.update(0).rfactor(ro, block);
        m.compute_root();
    }
}

#[test]
fn factored_maximum_is_exact() {
    for (h, w) in [(9, 5), (4, 4), (1, 1), (0, 2), (13, 40)] {
        let a = pattern_i32(h, w);
        let mut out = Array1::<i32>::zeros(w);
        let mut r = Array1::<i32>::zeros(w);
        col_max(a.view(), out.view_mut()).unwrap();
        col_max::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w}");
    }
}

/// rfactor moves the writes at computed indices into the intermediate; the output's shape is
/// still checked against every element the algorithm may write, before anything is written.
#[test]
fn factored_histogram_still_checks_its_bins() {
    let input = Array2::from_shape_fn((9, 9), |(y, x)| (y * 30 + x) as u8);
    let mut few = Array1::<u32>::from_elem(100, 7);
    let err = histogram(input.view(), few.view_mut()).unwrap_err();
    assert!(matches!(err, Error::InputTooSmall { .. }), "{err}");
    assert!(few.iter().all(|&v| v == 7), "nothing is written on error");
    let mut r = Array1::<u32>::from_elem(100, 7);
    assert!(histogram::reference(input.view(), r.view_mut()).is_err());
}

#[path = "../examples/softmax.rs"]
#[allow(dead_code)]
mod softmax_app;

/// The softmax example's schedule (row max and row sum each `rfactor`ed over 16 lanes, kept in
/// local accumulators; the loop over a row's vectors is cut into a steady state of whole
/// vectors and a short tail) on widths around the vector width and on every instruction set
/// this machine runs. The max is exact; the sums are regrouped.
#[test]
fn softmax_accumulators_at_every_width_and_isa() {
    use halite::rt::Isa;
    for w in [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67] {
        let input = Array2::from_shape_fn((3, w), |(y, x)| {
            ((y * 31 + x * 17) % 101) as f32 * 0.05 - 2.0
        });
        let mut want = Array2::<f32>::zeros((3, w));
        softmax_app::softmax::reference(input.view(), want.view_mut()).unwrap();
        for isa in [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array2::<f32>::zeros((3, w));
            halite::rt::isa::with_isa(isa, || softmax_app::softmax(input.view(), got.view_mut()))
                .unwrap();
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 8.0 * f32::EPSILON * b.abs(),
                    "softmax at width {w} on {isa:?}: {a} vs {b}"
                );
            }
        }
    }
}
