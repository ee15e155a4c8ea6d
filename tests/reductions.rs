//! Update definitions, reduction domains, predicates and inline reductions (DESIGN.md
//! section 2), each against a hand-written loop and its `reference`.

use halite::prelude::*;

fn pattern_f32(h: usize, w: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 23) as f32 * 0.37 - 2.5)
}
fn pattern_u8(h: usize, w: usize) -> Array2<u8> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 37 + x * 11 + y * x) % 256) as u8)
}

/// The signature of the matmul kernels below and of their `reference`s.
type MatmulFn = fn(ArrayView2<f32>, ArrayView2<f32>, ArrayViewMut2<f32>) -> Result<(), Error>;

/// A matmul kernel equals its `reference` on each `(m, k, n)` (bit for bit: the schedules
/// that use this keep the order of each sum).
fn matmuls_match_reference(kernel: MatmulFn, reference: MatmulFn, sizes: &[(usize, usize, usize)]) {
    for &(m, kk, n) in sizes {
        let (a, b) = (pattern_f32(m, kk), pattern_f32(kk, n));
        let (mut got, mut want) = (Array2::zeros((m, n)), Array2::zeros((m, n)));
        kernel(a.view(), b.view(), got.view_mut()).unwrap();
        reference(a.view(), b.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{m}x{kk}x{n}");
    }
}

#[kernel]
fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) += a(i, k) * b(k, j);
}

fn matmul_by_hand(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
    let (m, kk) = a.dim();
    let n = b.ncols();
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut s = 0.0f32;
        for k in 0..kk {
            s += a[[i, k]] * b[[k, j]];
        }
        s
    })
}

#[test]
fn matmul_unscheduled() {
    let a = pattern_f32(13, 7);
    let b = pattern_f32(7, 9);
    let mut c = Array2::<f32>::zeros((13, 9));
    matmul(a.view(), b.view(), c.view_mut()).unwrap();
    assert_eq!(c, matmul_by_hand(&a, &b));
    let mut r = Array2::<f32>::zeros((13, 9));
    matmul::reference(a.view(), b.view(), r.view_mut()).unwrap();
    assert_eq!(c, r);
}

#[kernel]
fn histogram(input: ArrayView2<u8>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    hist(i) = 0;
    hist(input(ry, rx) as i32) += 1;
}

#[test]
fn histogram_counts() {
    let input = pattern_u8(31, 17);
    let mut h = Array1::<i32>::zeros(256);
    histogram(input.view(), h.view_mut()).unwrap();
    let mut e = Array1::<i32>::zeros(256);
    for &v in input.iter() {
        e[v as usize] += 1;
    }
    assert_eq!(h, e);
    let mut r = Array1::<i32>::zeros(256);
    histogram::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(r, e);
    // Too few bins: an error before anything is written.
    let mut small = Array1::<i32>::from_elem(100, 7);
    assert!(histogram(input.view(), small.view_mut()).is_err());
    assert!(small.iter().all(|&v| v == 7));
    // No bins at all: an empty output is not computed, so nothing is written (as in the
    // reference, which evaluates the output's points).
    let mut none = Array1::<i32>::zeros(0);
    histogram(input.view(), none.view_mut()).unwrap();
    histogram::reference(input.view(), none.view_mut()).unwrap();
}

#[kernel]
fn row_stats(
    input: ArrayView2<f32>,
    total: ArrayViewMut1<f32>,
    best: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    total(y) = sum(input(y, r));
    best(y) = argmax(input(y, r));
}

#[test]
fn inline_reductions() {
    let input = pattern_f32(9, 14);
    let mut t = Array1::<f32>::zeros(9);
    let mut b = Array1::<i32>::zeros(9);
    row_stats(input.view(), t.view_mut(), b.view_mut()).unwrap();
    for y in 0..9 {
        let mut s = 0.0f32;
        let mut bi = 0;
        for x in 0..14 {
            s += input[[y, x]];
            if input[[y, x]] > input[[y, bi]] {
                bi = x;
            }
        }
        assert_eq!(t[y], s);
        assert_eq!(b[y], bi as i32);
    }
}

// ---------------------------------------------------------------------------------------------
// Scheduled reductions: register-tiled matmul, parallel and vectorized pure loops of updates,
// on every instruction-set path this CPU runs.

#[kernel]
fn matmul_tiled(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    prod(i, j) = 0.0;
    prod(i, j) = a(i, k).mul_add(b(k, j), prod(i, j));
    c(i, j) = prod(i, j);
    schedule! {
        c.split(i, io, ii, 4).split(j, jo, ji, 16).reorder(io, jo, ii, ji)
            .vectorize(ji, 8).unroll(ji).unroll(ii).parallel(io);
        prod.compute_at(c, jo).vectorize(j, 8).unroll(i, 4);
        prod.update(0).reorder(k, i, j).vectorize(j, 8).unroll(j, 2).unroll(i, 4);
    }
}

/// The example's schedule: 6x32 register tiles of 16 lanes, and the panel of `b` a column of tiles reads
/// packed once per panel, at a loop outside the tiles that read it (through `prod`). `bw` is
/// defined between `prod`'s definitions: the pipeline still computes it first.
#[kernel]
fn matmul_packed(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    prod(i, j) = 0.0;
    bw(kk, j) = b(kk, j);
    prod(i, j) = a(i, k).mul_add(bw(k, j), prod(i, j));
    c(i, j) = prod(i, j);
    schedule! {
        c.split(i, io, ii, 6).split(j, jo, ji, 32).reorder(jo, io, ii, ji)
            .vectorize(ji, 16).unroll(ji).unroll(ii).parallel(jo);
        bw.compute_at(c, jo).vectorize(j, 16);
        prod.compute_at(c, io).vectorize(j, 16).unroll(j, 2).unroll(i, 6);
        prod.update(0).reorder(k, i, j).vectorize(j, 16).unroll(j, 2).unroll(i, 6);
    }
}

#[kernel]
fn matmul_ikj(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) += a(i, k) * b(k, j);
    schedule! {
        c.update(0).reorder(i, k, j).vectorize(j, 16).parallel(i);
    }
}

/// A register tile of the output itself (no intermediate): `promote_accumulators` keeps the
/// 4x16 tile in a local array across `k`.
#[kernel]
fn matmul_tile_in_output(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) = a(i, k).mul_add(b(k, j), c(i, j));
    schedule! {
        c.update(0).split(i, io, ii, 4).split(j, jo, ji, 16).reorder(io, jo, k, ii, ji)
            .vectorize(ji, 8).unroll(ji).unroll(ii);
    }
}

/// A register tile of two vectors per row directly on the output, with the reduction split
/// into blocks outside the tile loops (the order of each element's sum is unchanged).
#[kernel]
fn matmul_blocked_in_output(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) = a(i, k).mul_add(b(k, j), c(i, j));
    schedule! {
        c.update(0).split(k, ko, ki, 8).split(i, io, ii, 3).split(j, jo, ji, 32)
            .reorder(jo, ko, io, ki, ii, ji).vectorize(ji, 16).unroll(ji).unroll(ii).parallel(jo);
    }
}

#[test]
fn scheduled_matmuls_are_exact_on_every_path() {
    assert!(
        matmul_tile_in_output::loop_nest().contains("allocate c.acc"),
        "{}",
        matmul_tile_in_output::loop_nest()
    );
    // The full tile runs both vectors of a row at their full width (the test for a full tile
    // includes the last vector), so its accumulators can live in registers.
    let nest = matmul_blocked_in_output::loop_nest();
    assert!(
        nest.contains("allocate c.acc")
            && nest.contains("vectorized(x16) for c.s1.ji_vec in [0, +16)"),
        "{nest}"
    );
    use halite::rt::Isa;
    // Ragged sizes: partial tiles and vectors at both edges.
    for (m, kk, n) in [
        (1, 1, 1),
        (3, 5, 7),
        (13, 9, 37),
        (32, 17, 64),
        (12, 40, 48),
    ] {
        let a = pattern_f32(m, kk);
        let b = pattern_f32(kk, n);
        let mut want = Array2::<f32>::zeros((m, n));
        matmul::reference(a.view(), b.view(), want.view_mut()).unwrap();
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            let mut c = Array2::<f32>::from_elem((m, n), 9.0);
            halite::rt::isa::with_isa(isa, || matmul_tiled(a.view(), b.view(), c.view_mut()))
                .unwrap();
            // `mul_add` fuses, so compare with a fused reference loop.
            let fused = Array2::from_shape_fn((m, n), |(i, j)| {
                (0..kk).fold(0.0f32, |acc, k| a[[i, k]].mul_add(b[[k, j]], acc))
            });
            assert_eq!(c, fused, "{isa:?} {m}x{kk}x{n}");
            let mut p = Array2::<f32>::from_elem((m, n), 9.0);
            halite::rt::isa::with_isa(isa, || matmul_packed(a.view(), b.view(), p.view_mut()))
                .unwrap();
            assert_eq!(p, fused, "packed {isa:?} {m}x{kk}x{n}");
            let mut t = Array2::<f32>::from_elem((m, n), 9.0);
            halite::rt::isa::with_isa(isa, || {
                matmul_tile_in_output(a.view(), b.view(), t.view_mut())
            })
            .unwrap();
            assert_eq!(t, fused, "tile in output {isa:?} {m}x{kk}x{n}");
            let mut t = Array2::<f32>::from_elem((m, n), 9.0);
            halite::rt::isa::with_isa(isa, || {
                matmul_blocked_in_output(a.view(), b.view(), t.view_mut())
            })
            .unwrap();
            assert_eq!(t, fused, "blocked in output {isa:?} {m}x{kk}x{n}");
            let mut d = Array2::<f32>::zeros((m, n));
            halite::rt::isa::with_isa(isa, || matmul_ikj(a.view(), b.view(), d.view_mut()))
                .unwrap();
            assert_eq!(d, want, "{isa:?} {m}x{kk}x{n}");
        }
    }
}

/// Taps around a vector loop: the pass `promote_accumulators` keeps each output vector in a
/// local array across the taps (the output, and an intermediate computed per row in a
/// parallel loop, whose storage reaches the row as a `&mut` slice).
#[kernel]
fn taps(
    input: ArrayView2<f32>,
    w: ArrayView2<f32>,
    out: ArrayViewMut2<f32>,
    rows: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let (ry, rx) = rdom(0..w.nrows(), 0..w.ncols());
    t(y, x) = 0.0f32;
    t(y, x) += w(ry, rx) * input(y + ry, x + rx);
    out(y, x) = 0.5f32;
    out(y, x) += w(ry, rx) * input(y + ry, x + rx);
    rows(y, x) = t(y, x) * 2.0;
    schedule! {
        out.update(0).vectorize(x, 8).reorder(y, x, ry, rx, x_vec);
        rows.parallel(y);
        t.compute_at(rows, y).vectorize(x, 16);
        t.update(0).vectorize(x, 16).reorder(y, x, ry, rx, x_vec);
    }
}

#[test]
fn taps_accumulate_in_registers_exactly_on_every_path() {
    use halite::rt::Isa;
    for (h, w, fh, fw) in [
        (1, 1, 1, 1),
        (3, 7, 2, 3),
        (9, 37, 3, 3),
        (5, 64, 1, 5),
        (4, 0, 3, 3),
    ] {
        let input = pattern_f32(h + fh - 1, w + fw - 1);
        let filt = pattern_f32(fh, fw);
        let (mut want_o, mut want_r) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        taps::reference(
            input.view(),
            filt.view(),
            want_o.view_mut(),
            want_r.view_mut(),
        )
        .unwrap();
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            let (mut o, mut r) = (
                Array2::from_elem((h, w), 9.0),
                Array2::from_elem((h, w), 9.0),
            );
            halite::rt::isa::with_isa(isa, || {
                taps(input.view(), filt.view(), o.view_mut(), r.view_mut())
            })
            .unwrap();
            assert_eq!(o, want_o, "{isa:?} {h}x{w} {fh}x{fw}");
            assert_eq!(r, want_r, "{isa:?} {h}x{w} {fh}x{fw}");
        }
    }
    // The nest keeps the accumulators in local arrays.
    assert!(
        taps::loop_nest().contains("allocate out.acc"),
        "{}",
        taps::loop_nest()
    );
    assert!(
        taps::loop_nest().contains("allocate t.acc"),
        "{}",
        taps::loop_nest()
    );
}

// ---------------------------------------------------------------------------------------------
// Predicates, multi-dimensional domains, empty domains, scans, argmin ties.

#[kernel]
fn triangle_sums(input: ArrayView2<i32>, n: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..n, 0..n);
    rx.where_(rx <= ry);
    ry.where_(ry % 2 == 0);
    out(i) = sum(input(ry, rx) * (i + 1));
}

#[test]
fn predicates_and_2d_domains() {
    let input = Array2::from_shape_fn((6, 6), |(y, x)| (y * 10 + x) as i32);
    for n in [0, 1, 4, 6] {
        let mut out = Array1::<i32>::zeros(3);
        triangle_sums(input.view(), n, out.view_mut()).unwrap();
        let mut base = 0;
        for y in (0..n as usize).step_by(2) {
            for x in 0..=y {
                base += input[[y, x]];
            }
        }
        let want: Vec<i32> = (1..=3).map(|k| base * k).collect();
        assert_eq!(out.to_vec(), want, "n = {n}");
        let mut r = Array1::<i32>::zeros(3);
        triangle_sums::reference(input.view(), n, r.view_mut()).unwrap();
        assert_eq!(r.to_vec(), want);
    }
    // A domain reading past the input is an error before anything is written.
    let mut out = Array1::<i32>::from_elem(3, -1);
    assert!(triangle_sums(input.view(), 7, out.view_mut()).is_err());
    assert!(out.iter().all(|&v| v == -1));
}

/// An inline reduction runs over the reduction variables that occur in its argument, not over
/// the whole domain they were declared in (DESIGN.md section 2); a predicate over variables
/// it does not use does not apply to it.
#[kernel]
fn free_variables(
    a: ArrayView2<i32>,
    rows: ArrayViewMut1<i32>,
    cols: ArrayViewMut1<i32>,
    best: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let (ry, rx) = rdom(0..a.nrows(), 0..a.ncols());
    ry.where_(ry % 2 == 0);
    // Over `rx` only: the predicate on `ry` does not apply.
    rows(i) = sum(a(i, rx));
    // Over `ry` only, every other row.
    cols(j) = sum(a(ry, j) * 2);
    // A one-variable argmax out of a two-variable domain.
    best(i) = argmax(a(i, rx));
    schedule! {
        rows.vectorize(i, 8);
    }
}

#[test]
fn inline_reductions_run_over_the_variables_of_their_argument() {
    for (h, w) in [(1, 1), (3, 5), (6, 4), (9, 17)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 11) as i32 - 4);
        let mut got = (Array1::zeros(h), Array1::zeros(w), Array1::zeros(h));
        free_variables(
            a.view(),
            got.0.view_mut(),
            got.1.view_mut(),
            got.2.view_mut(),
        )
        .unwrap();
        let rows: Vec<i32> = (0..h).map(|y| a.row(y).sum()).collect();
        let cols: Vec<i32> = (0..w)
            .map(|x| (0..h).step_by(2).map(|y| a[[y, x]] * 2).sum())
            .collect();
        let best: Vec<i32> = (0..h)
            .map(|y| {
                let row = a.row(y);
                let m = *row.iter().max().unwrap();
                row.iter().position(|&v| v == m).unwrap() as i32
            })
            .collect();
        assert_eq!(got.0.to_vec(), rows, "{h}x{w}");
        assert_eq!(got.1.to_vec(), cols, "{h}x{w}");
        assert_eq!(got.2.to_vec(), best, "{h}x{w}");
        let mut want = (Array1::zeros(h), Array1::zeros(w), Array1::zeros(h));
        free_variables::reference(
            a.view(),
            want.0.view_mut(),
            want.1.view_mut(),
            want.2.view_mut(),
        )
        .unwrap();
        assert_eq!(got, want);
    }
}

/// A predicate over no reduction variable (a parameter, a read at a fixed point, a pure
/// variable) applies to an inline reduction as to an update.
#[kernel]
fn unbound_predicates(
    a: ArrayView2<i32>,
    on: bool,
    t: i32,
    inl: ArrayViewMut1<i32>,
    upd: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    r.where_(on);
    r.where_(a(0, 0) > t);
    r.where_(i % 2 == 0);
    inl(i) = sum(a(i, r));
    upd(i) = 0;
    upd(i) += a(i, r);
}

#[test]
fn predicates_over_no_reduction_variable_apply_to_inline_reductions() {
    let a = Array2::from_shape_fn((5, 4), |(y, x)| (y * 4 + x) as i32 - 3);
    for (on, t) in [(true, -10), (false, -10), (true, 10)] {
        let want: Vec<i32> = (0..5)
            .map(|y| {
                if on && a[[0, 0]] > t && y % 2 == 0 {
                    a.row(y).sum()
                } else {
                    0
                }
            })
            .collect();
        let (mut i1, mut u1) = (Array1::zeros(5), Array1::zeros(5));
        unbound_predicates(a.view(), on, t, i1.view_mut(), u1.view_mut()).unwrap();
        assert_eq!(i1.to_vec(), want, "on = {on}, t = {t}");
        assert_eq!(u1.to_vec(), want, "on = {on}, t = {t}");
        let (mut i2, mut u2) = (Array1::zeros(5), Array1::zeros(5));
        unbound_predicates::reference(a.view(), on, t, i2.view_mut(), u2.view_mut()).unwrap();
        assert_eq!((i2, u2), (i1, u1));
    }
}

/// Predicates are tested in order: a later one reads only where the earlier ones hold.
#[kernel]
fn positives_below(a: ArrayView1<i32>, n: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..n);
    r.where_(r < a.len());
    r.where_(a(r) > 0);
    out(i) = sum(a(r) + i);
}

#[test]
fn later_predicates_read_where_earlier_ones_hold() {
    let a = Array1::from_shape_fn(10, |i| i as i32 % 4 - 1);
    for n in [0, 3, 10, 100] {
        let (mut got, mut want) = (Array1::zeros(2), Array1::zeros(2));
        positives_below(a.view(), n, got.view_mut()).unwrap();
        positives_below::reference(a.view(), n, want.view_mut()).unwrap();
        let m = (n as usize).min(10);
        let base: i32 = a.iter().take(m).filter(|&&v| v > 0).sum();
        let count = a.iter().take(m).filter(|&&v| v > 0).count() as i32;
        assert_eq!(got.to_vec(), vec![base, base + count], "n = {n}");
        assert_eq!(got, want);
    }
}

/// A predicate may name pure variables: they mean the variables of the definition that uses
/// the domain (here a prefix sum along each row, as a triangular domain, in an inline reduction
/// and in an update, vectorized over the variable the predicate names).
#[kernel]
fn prefix_sums(
    a: ArrayView2<i32>,
    inline: ArrayViewMut2<i32>,
    update: ArrayViewMut2<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    r.where_(r <= x);
    inline(y, x) = sum(a(y, r));
    update(y, x) = 0;
    update(y, x) += a(y, r) * (x - r + 1);
    schedule! {
        inline.vectorize(x, 8).parallel(y);
        update.update(0).reorder(y, r, x).vectorize(x, 8);
    }
}

#[test]
fn predicates_may_name_pure_variables() {
    for (h, w) in [(1, 1), (3, 7), (5, 20), (2, 0), (0, 3)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| (y * 5 + x * 3) as i32 % 7 - 3);
        let (mut got1, mut got2) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        prefix_sums(a.view(), got1.view_mut(), got2.view_mut()).unwrap();
        let (mut want1, mut want2) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        for y in 0..h {
            for x in 0..w {
                for r in 0..=x {
                    want1[[y, x]] += a[[y, r]];
                    want2[[y, x]] += a[[y, r]] * (x - r + 1) as i32;
                }
            }
        }
        assert_eq!((&got1, &got2), (&want1, &want2), "{h}x{w}");
        prefix_sums::reference(a.view(), got1.view_mut(), got2.view_mut()).unwrap();
        assert_eq!((&got1, &got2), (&want1, &want2), "{h}x{w}");
    }
}

/// A predicate that does not depend on the domain but reads is tested inside the loop over
/// it: hoisted out, it would read `a(0)` of an empty `a`, which no entry check covers (the
/// loop that reads runs no iteration).
#[kernel]
fn sum_if_first_above(a: ArrayView1<i32>, t: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.len());
    r.where_(a(0) > t);
    out(i) = 0;
    out(i) += a(r) + i;
}

#[test]
fn a_reading_predicate_stays_inside_its_loop() {
    let text = sum_if_first_above::loop_nest();
    let (lp, pred) = (
        text.find("for out.s1.r").unwrap(),
        text.find("if a(0) > t").unwrap(),
    );
    assert!(lp < pred, "{text}");
    for n in [0, 1, 5] {
        let a = Array1::from_shape_fn(n, |i| i as i32 * 3 - 2);
        for t in [-5, 5] {
            let (mut got, mut want) = (Array1::zeros(3), Array1::zeros(3));
            sum_if_first_above(a.view(), t, got.view_mut()).unwrap();
            sum_if_first_above::reference(a.view(), t, want.view_mut()).unwrap();
            assert_eq!(got, want, "n = {n}, t = {t}");
        }
    }
}

#[kernel]
fn prefix_sum(input: ArrayView2<i64>, out: ArrayViewMut2<i64>) -> Result<(), Error> {
    let r = rdom(1..out.ncols());
    out(y, x) = input(y, x);
    out(y, r) = out(y, r) + out(y, r - 1);
    schedule! {
        out.update(0).parallel(y);
    }
}

#[test]
fn scans_run_in_order() {
    let input = Array2::from_shape_fn((5, 9), |(y, x)| (y as i64 - 2) * (x as i64 + 1));
    let mut out = Array2::<i64>::zeros((5, 9));
    prefix_sum(input.view(), out.view_mut()).unwrap();
    for y in 0..5 {
        let mut acc = 0;
        for x in 0..9 {
            acc += input[[y, x]];
            assert_eq!(out[[y, x]], acc);
        }
    }
    // One column: an empty domain leaves the pure definition.
    let col = input.slice(ndarray::s![.., ..1]);
    let mut out1 = Array2::<i64>::zeros((5, 1));
    prefix_sum(col, out1.view_mut()).unwrap();
    assert_eq!(out1, col);
}

#[kernel]
fn extremes(
    input: ArrayView2<i32>,
    lo: ArrayViewMut1<i32>,
    at: ArrayViewMut1<i32>,
    hi: ArrayViewMut1<i32>,
    prod: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    lo(y) = minimum(input(y, r));
    at(y) = argmin(input(y, r));
    hi(y) = maximum(input(y, r) - 1) + 1;
    prod(y) = product(input(y, r) % 5 + 1);
}

#[test]
fn argmin_takes_the_first_of_ties() {
    let input = ndarray::arr2(&[
        [3, 1, 4, 1, 5],
        [9, 2, 6, 5, 3],
        [5, 8, 9, 7, 9],
        [2, 2, 2, 2, 2],
    ]);
    let (mut lo, mut at, mut hi, mut pr) = (
        Array1::<i32>::zeros(4),
        Array1::<i32>::zeros(4),
        Array1::<i32>::zeros(4),
        Array1::<i32>::zeros(4),
    );
    extremes(
        input.view(),
        lo.view_mut(),
        at.view_mut(),
        hi.view_mut(),
        pr.view_mut(),
    )
    .unwrap();
    assert_eq!(lo.to_vec(), vec![1, 2, 5, 2]);
    assert_eq!(at.to_vec(), vec![1, 1, 0, 0]);
    assert_eq!(hi.to_vec(), vec![5, 9, 9, 2]);
    let want: Vec<i32> = input
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| v % 5 + 1).product())
        .collect();
    assert_eq!(pr.to_vec(), want);
    // An empty domain: the identity of each reduction, and the domain's first position.
    let empty = input.slice(ndarray::s![.., ..0]);
    extremes(
        empty,
        lo.view_mut(),
        at.view_mut(),
        hi.view_mut(),
        pr.view_mut(),
    )
    .unwrap();
    assert_eq!(lo.to_vec(), vec![i32::MAX; 4]);
    assert_eq!(at.to_vec(), vec![0; 4]);
    assert_eq!(pr.to_vec(), vec![1; 4]);
}

#[kernel]
fn nan_argmax(input: ArrayView1<f32>, at: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..input.len());
    at(i) = argmax(input(r)) + i;
}

#[test]
fn argmax_ignores_nans() {
    let input = ndarray::arr1(&[f32::NAN, 1.0, 7.0, f32::NAN, 7.0]);
    let mut at = Array1::<i32>::zeros(1);
    nan_argmax(input.view(), at.view_mut()).unwrap();
    assert_eq!(at[0], 2);
    let mut r = Array1::<i32>::zeros(1);
    nan_argmax::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(r[0], 2);
}

/// Per-row histograms whose bin depends on the row too (a computed index that uses the
/// update's pure variable `y`, as the bilateral grid's scatter does): the rows' updates stay
/// independent, so they can be vectorized and run in parallel.
#[kernel]
fn row_histograms(input: ArrayView2<u8>, hist: ArrayViewMut2<i32>) -> Result<(), Error> {
    let rx = rdom(0..input.ncols());
    rows(y, b) = 0;
    rows(y, ((input(y, rx) as i32 + y) & 7) * 2) += 1;
    hist(y, b) = rows(y, b) + rows(y, b + 1);
    schedule! {
        hist.parallel(y);
        rows.compute_at(hist, y).vectorize(b, 8);
    }
}

#[kernel]
fn row_histograms_by_rows(input: ArrayView2<u8>, hist: ArrayViewMut2<i32>) -> Result<(), Error> {
    let rx = rdom(0..input.ncols());
    rows(y, b) = 0;
    rows(y, ((input(y, rx) as i32 + y) & 7) * 2) += 1;
    hist(y, b) = rows(y, b) + rows(y, b + 1);
    schedule! {
        rows.compute_root().split(y, yo, yi, 4).parallel(yo);
        rows.update(0).reorder(rx, y).vectorize(y, 8);
    }
}

#[test]
fn computed_indices_may_use_pure_variables() {
    for (h, w) in [(1, 1), (13, 29), (40, 7)] {
        let input = pattern_u8(h, w);
        let mut want = Array2::<i32>::zeros((h, 15));
        for y in 0..h {
            for x in 0..w {
                let bin = (((input[[y, x]] as usize + y) & 7) * 2) as isize;
                for b in [bin - 1, bin] {
                    if (0..15).contains(&b) {
                        want[[y, b as usize]] += 1;
                    }
                }
            }
        }
        for k in [row_histograms, row_histograms_by_rows] {
            let mut got = Array2::<i32>::zeros((h, 15));
            k(input.view(), got.view_mut()).unwrap();
            assert_eq!(got, want, "{h}x{w}");
        }
        let mut r = Array2::<i32>::zeros((h, 15));
        row_histograms::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(r, want);
    }
}

#[path = "../examples/conv2d.rs"]
#[allow(dead_code)]
mod conv2d_app;

/// The conv2d example's register tiles (one per instruction set, each kept in registers) on
/// layers whose channels, rows and columns are not multiples of the tile, and on every
/// instruction set: bit for bit the reference (the schedule keeps each sum's order).
#[test]
fn conv2d_example_tiles_are_exact_at_the_edges() {
    assert_register_tile_in_every_version(conv2d_app::conv2d::loop_nest(), "prod");
    use halite::rt::Isa;
    for (n, ci, co, h, w) in [
        (1, 3, 4, 2, 8),
        (2, 5, 6, 3, 9),
        (1, 2, 7, 5, 17),
        (1, 1, 1, 1, 1),
    ] {
        let input = Array4::from_shape_fn((n, ci, h + 2, w + 2), |(a, b, c, d)| {
            ((a * 3 + b * 7 + c * 5 + d * 11) % 19) as f32 * 0.1 - 0.9
        });
        let wt = Array4::from_shape_fn((co, ci, 3, 3), |(a, b, c, d)| {
            ((a * 13 + b * 3 + c * 7 + d) % 23) as f32 * 0.05 - 0.5
        });
        let mut want = Array4::<f32>::zeros((n, co, h, w));
        conv2d_app::conv2d::reference(input.view(), wt.view(), want.view_mut()).unwrap();
        for isa in [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array4::<f32>::zeros((n, co, h, w));
            halite::rt::isa::with_isa(isa, || {
                conv2d_app::conv2d(input.view(), wt.view(), got.view_mut())
            })
            .unwrap();
            assert_eq!(got, want, "{n}x{ci}x{h}x{w} -> {co} on {isa:?}");
        }
    }
}

/// Every instruction set's version of `nest` (a kernel with `if isa(..)` schedules) keeps a
/// register tile of `func` (an accumulator array that LLVM holds in registers).
fn assert_register_tile_in_every_version(nest: &str, func: &str) {
    // (The text starts with the kernel's name; each version with `for ISA..:`.)
    let versions: Vec<&str> = nest.split("\nfor ").skip(1).collect();
    assert!(versions.len() >= 2, "{nest}");
    for v in versions {
        assert!(
            v.contains(&format!("allocate {func}.acc")),
            "no register tile of `{func}` in\n{v}"
        );
    }
}

#[path = "../examples/matmul.rs"]
#[allow(dead_code)]
mod matmul_app;

/// The matmul example keeps its register tile in a local array (which LLVM holds in
/// registers) in the loop nest of every instruction set, whatever the machine running the
/// test (its AVX-512 tile once lost its accumulators to memory, 13x slower, and only a machine
/// with AVX-512 showed it); and its results are bit for bit the reference at ragged sizes.
#[test]
fn matmul_example_keeps_register_tiles_on_every_path() {
    assert_register_tile_in_every_version(matmul_app::matmul::loop_nest(), "prod");
    use halite::rt::Isa;
    for (m, kk, n) in [(1, 1, 1), (7, 5, 70), (13, 9, 129), (37, 29, 45)] {
        let (a, b) = (pattern_f32(m, kk), pattern_f32(kk, n));
        let mut want = Array2::<f32>::zeros((m, n));
        matmul_app::matmul::reference(a.view(), b.view(), want.view_mut()).unwrap();
        for isa in [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array2::<f32>::from_elem((m, n), 9.0);
            halite::rt::isa::with_isa(isa, || {
                matmul_app::matmul(a.view(), b.view(), got.view_mut())
            })
            .unwrap();
            assert_eq!(got, want, "{m}x{kk}x{n} on {isa:?}");
        }
    }
}

/// A register tile whose reduction loop is split by 2 and unrolled: the steady part of the
/// split loop keeps the tile in registers across it (`partition_loops` on the full-tile
/// test), the last, partial step runs the general code. Same order of the sum: bit-exact.
#[kernel]
fn matmul_split_k(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    prod(i, j) = 0.0;
    prod(i, j) = a(i, k).mul_add(b(k, j), prod(i, j));
    c(i, j) = prod(i, j);
    schedule! {
        c.split(i, io, ii, 6).split(j, jo, ji, 16).reorder(jo, io, ii, ji)
            .vectorize(ji, 8).unroll(ji).unroll(ii);
        prod.compute_at(c, io).vectorize(j, 8).unroll(j, 2).unroll(i, 6);
        prod.update(0).split(k, ko, ki, 2).unroll(ki).reorder(ko, ki, i, j).vectorize(j, 8)
            .unroll(j, 2).unroll(i, 6);
    }
}

#[test]
fn split_unrolled_reduction_around_a_register_tile_matches_reference() {
    matmuls_match_reference(
        matmul_split_k,
        matmul_split_k::reference,
        &[
            (12, 8, 32),
            (13, 7, 33),
            (6, 1, 16),
            (5, 3, 7),
            (19, 11, 45),
        ],
    );
    let nest = matmul_split_k::loop_nest();
    assert!(nest.contains("prod.s1.ko.steady"), "{nest}");
}

/// Tiles of 24 columns inside panels of 96, with the panel of `b` packed per panel: the last
/// panel of a width that is not a multiple of 96 has fewer tiles, the last of them narrower.
/// The packed panel must cover exactly the columns of `b` there are (it used to reach past
/// the last column, so the entry check refused every width above 96 that 96 does not divide).
#[kernel]
fn matmul_tiles_in_panels(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    bw(kk, j) = b(kk, j);
    prod(i, j) = 0.0;
    prod(i, j) = a(i, k).mul_add(bw(k, j), prod(i, j));
    c(i, j) = prod(i, j);
    schedule! {
        c.split(i, io, ii, 6).split(j, jo, ji, 96).split(ji, jm, jv, 24)
            .reorder(jo, io, jm, ii, jv).vectorize(jv, 8).unroll(jv).unroll(ii);
        bw.compute_at(c, jo).vectorize(j, 8);
        prod.compute_at(c, jm).vectorize(j, 8).unroll(j, 3).unroll(i, 6);
        prod.update(0).reorder(k, i, j).vectorize(j, 8).unroll(j, 3).unroll(i, 6);
    }
}

#[test]
fn tiles_inside_panels_read_only_the_columns_there_are() {
    matmuls_match_reference(
        matmul_tiles_in_panels,
        matmul_tiles_in_panels::reference,
        &[
            (7, 5, 200),
            (6, 3, 97),
            (13, 4, 100),
            (2, 2, 96),
            (3, 1, 30),
            (1, 1, 1),
        ],
    );
}

/// An inline reduction in an update, reading rows that wrap around with `%`: its Func is
/// computed per row `y` of the update (`minimum.min.0 = y`), and the rows it reads,
/// `(y + ry) % a.nrows()`, lie in `[0, a.nrows() - 1]` because that first row is not negative
/// (the entry check used to ask for rows from `-out.nrows()`).
#[kernel]
fn wrapped_minimum(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..2, 0..a.ncols() / 2);
    out(y, x) = 1;
    out(y, 0) += minimum(a((y + ry) % a.nrows(), rx));
}

#[test]
fn wrapping_reads_of_an_inline_reduction_in_an_update_stay_in_the_input() {
    for (h, w) in [(1, 2), (4, 8), (7, 5), (13, 1)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| ((y * 31 + x * 17) % 23) as i32 - 11);
        let (mut got, mut want) = (Array2::zeros((h, 3)), Array2::zeros((h, 3)));
        wrapped_minimum(a.view(), got.view_mut()).unwrap();
        wrapped_minimum::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
}

/// `rdom(a..b)` inside an expression is a one-dimensional domain of its own (Halide's
/// `sum(f(x + RDom(0, 3)))`): two in one reduction make it two-dimensional, one in an update
/// is that update's domain; the generated names (`rdom0`, `rdom1`, .. in order of appearance in the
/// kernel) name their loops.
#[kernel]
fn inline_domains(
    a: ArrayView2<i32>,
    n: i32,
    windows: ArrayViewMut2<i32>,
    products: ArrayViewMut2<i32>,
    update: ArrayViewMut2<i32>,
) -> Result<(), Error> {
    windows(y, x) = sum(a(y, x + rdom(0..3))) * 10 + argmax(a(y, x + rdom(1..=4)));
    products(y, x) = sum(a(y, rdom(0..2)) * a(rdom(0..3), x));
    update(y, x) = 1;
    update(y, x) += a(y, x + rdom(0..n));
    schedule! {
        windows.vectorize(x, 8);
        update.update(0).reorder(rdom4, y, x).vectorize(x, 4).unroll(y, 2);
    }
}

#[test]
fn inline_domains_are_their_own_domains() {
    for (h, w, n) in [(0, 0, 2), (1, 1, 0), (3, 5, 4), (6, 9, 1), (9, 17, 5)] {
        let a = Array2::from_shape_fn((h.max(3) + 4, w + 9), |(y, x)| {
            ((y * 7 + x * 13) % 11) as i32 - 5
        });
        let mut got = [0, 1, 2].map(|_| Array2::<i32>::zeros((h, w)));
        let mut want = got.clone();
        let [g0, g1, g2] = &mut got;
        inline_domains(a.view(), n, g0.view_mut(), g1.view_mut(), g2.view_mut()).unwrap();
        let [w0, w1, w2] = &mut want;
        inline_domains::reference(a.view(), n, w0.view_mut(), w1.view_mut(), w2.view_mut())
            .unwrap();
        assert_eq!(got, want, "{h}x{w}, n = {n}");
        for y in 0..h {
            for x in 0..w {
                let s: i32 = (0..3).map(|r| a[[y, x + r]]).sum();
                let best =
                    (1..=4).fold(1, |b, r| if a[[y, x + r]] > a[[y, x + b]] { r } else { b });
                assert_eq!(got[0][[y, x]], s * 10 + best as i32);
                let p: i32 = (0..2)
                    .flat_map(|i| (0..3).map(move |j| (i, j)))
                    .map(|(i, j)| a[[y, i]] * a[[j, x]])
                    .sum();
                assert_eq!(got[1][[y, x]], p);
                let u: i32 = (0..n as usize).map(|r| a[[y, x + r]]).sum();
                assert_eq!(got[2][[y, x]], 1 + u);
            }
        }
    }
}

/// An intermediate's updates run whatever its consumers read, even nothing (an empty
/// output): its storage holds the bins a domain-only update (a histogram) writes, and the
/// columns an update over pure `y` writes on the rows that update made.
#[kernel]
fn updates_of_an_unread_intermediate(
    input: ArrayView2<u8>,
    out: ArrayViewMut2<i32>,
) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    h(y, x) = 0;
    h((input(ry, rx) % 4) as i32, (input(ry, rx) / 4 % 4) as i32) += 1;
    let r = rdom(0..6);
    h(y, r + 4) = h(y, r) * 2 + 1;
    out(y, x) = h(y, x);
    schedule! {
        h.compute_root();
    }
}

#[test]
fn updates_of_an_unread_intermediate_stay_in_its_storage() {
    let input = Array2::from_shape_fn((5, 7), |(y, x)| ((y * 7 + x * 3) % 16) as u8);
    for (h, w) in [(0, 0), (0, 12), (3, 0), (1, 1), (2, 3), (4, 10), (6, 12)] {
        let mut got = Array2::<i32>::from_elem((h, w), -7);
        let mut want = got.clone();
        updates_of_an_unread_intermediate(input.view(), got.view_mut()).unwrap();
        updates_of_an_unread_intermediate::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
}

#[kernel]
fn histogram16(input: ArrayView1<u8>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..input.len());
    hist(b) = 0;
    hist((input(r) as i32).clamp(0, 15)) += 1;
}

/// An output scattered into at computed indices must hold the indices' whole range: the
/// kernel refuses a shorter one at entry, whatever the data; `reference` writes as the data
/// goes and reports the first point outside the output (not as an internal error).
#[test]
fn a_scatter_output_shorter_than_its_index_range_is_an_error() {
    let small = Array1::from_iter(0..8u8);
    let large = Array1::from_iter(0..12u8);
    let mut hist = Array1::<i32>::zeros(8);
    for input in [&small, &large] {
        let e = histogram16(input.view(), hist.view_mut()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InputTooSmall {
                    buffer: "hist",
                    needed: (0, 15),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("reads or writes indices 0..=15"),
            "{e}"
        );
    }
    histogram16::reference(small.view(), hist.view_mut()).unwrap();
    assert_eq!(hist, Array1::from_elem(8, 1));
    let e = histogram16::reference(large.view(), hist.view_mut()).unwrap_err();
    assert!(
        matches!(&e, Error::ReferenceWriteOutOfBounds { buffer, point, .. } if buffer == "hist" && point == &vec![8]),
        "{e:?}"
    );
    let mut full = Array1::<i32>::zeros(16);
    histogram16(large.view(), full.view_mut()).unwrap();
    assert_eq!(full.to_vec(), [vec![1; 12], vec![0; 4]].concat());
}

// ---------------------------------------------------------------------------------------------
// Indices through Func values: bounded by the values the Func's definitions can produce.

/// Each row minus its own maximum (read back at the `argmax` position), plus that position.
#[kernel]
fn at_row_argmax(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    best(y) = argmax(a(y, r));
    out(y, x) = a(y, x) - a(y, best(y)) + best(y);
    schedule! {
        best.compute_at(out, y);
        out.vectorize(x, 8);
    }
}

/// A table indexed through a computed `i32` Func whose values are clamped in its definition,
/// and through a running maximum of such values (an update whose self-reference settles).
#[kernel]
fn through_computed_indices(
    input: ArrayView2<i32>,
    table: ArrayView1<f32>,
    out: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    idx(y, x) = (input(y, x) * 3).clamp(0, 9);
    let r = rdom(0..input.ncols());
    top(y) = 0;
    top(y) = top(y).max(idx(y, r));
    out(y, x) = table(idx(y, x)) + table(top(y));
    schedule! {
        idx.compute_root().vectorize(x, 8);
        top.compute_root();
        out.vectorize(x, 8).parallel(y);
    }
}

#[test]
fn indices_through_func_values_are_bounded_by_their_definitions() {
    for &(h, w) in &[(1, 1), (2, 3), (5, 7), (9, 17), (33, 65)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| ((y * 5 + x * 3) % 7) as i32 - 2);
        let (mut got, mut want) = (Array2::<i32>::zeros((h, w)), Array2::<i32>::zeros((h, w)));
        at_row_argmax(a.view(), got.view_mut()).unwrap();
        at_row_argmax::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
        for y in 0..h {
            let row = a.row(y);
            let m = *row.iter().max().unwrap();
            let first = row.iter().position(|&v| v == m).unwrap() as i32;
            assert_eq!(got[[y, 0]], a[[y, 0]] - m + first, "{h}x{w} row {y}");
        }
        let table = Array1::from_shape_fn(10, |i| i as f32 * 1.5 - 2.0);
        let (mut got, mut want) = (Array2::<f32>::zeros((h, w)), Array2::<f32>::zeros((h, w)));
        through_computed_indices(a.view(), table.view(), got.view_mut()).unwrap();
        through_computed_indices::reference(a.view(), table.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
        let idx = |v: i32| (v * 3).clamp(0, 9) as usize;
        let top = idx(*a.row(0).iter().max().unwrap());
        assert_eq!(got[[0, 0]], table[idx(a[[0, 0]])] + table[top], "{h}x{w}");
    }
    // The table must hold every value the index can take, whatever the data.
    let a = Array2::<i32>::zeros((2, 2));
    let short = Array1::<f32>::zeros(9);
    let mut out = Array2::<f32>::zeros((2, 2));
    let e = through_computed_indices(a.view(), short.view(), out.view_mut()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InputTooSmall {
                buffer: "table",
                needed: (0, 9),
                ..
            }
        ),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Combinations: a scatter, a scan over its bins and a lookup at the data; a scan run for eight
// rows at once (the row loop vectorized inside the scan).

/// Histogram equalization of an 8-bit image.
#[kernel]
fn equalize(input: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    hist(i) = 0i32;
    hist(input(ry, rx) as i32) += 1;
    let r = rdom(1..256);
    cdf(i) = hist(i);
    cdf(r) = cdf(r - 1) + hist(r);
    let total = input.nrows() * input.ncols();
    out(y, x) = ((cdf(input(y, x) as i32) * 255) / total.max(1)) as u8;
    schedule! {
        hist.compute_root();
        cdf.compute_root();
        out.vectorize(x, 16).parallel(y);
    }
}

/// A first-order recursive filter along each row, eight rows at a time.
#[kernel]
fn row_filter(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let r = rdom(1..a.ncols());
    f(y, x) = a(y, x);
    f(y, r) = f(y, r - 1) * 0.5 + a(y, r);
    out(y, x) = f(y, x);
    schedule! {
        f.compute_root();
        f.update(0).reorder(r, y).vectorize(y, 8);
    }
}

#[test]
fn equalization_and_vectorized_scans_match_by_hand() {
    for &(h, w) in &[(1, 1), (2, 3), (9, 17), (33, 65)] {
        let input = pattern_u8(h, w);
        let (mut got, mut want) = (Array2::<u8>::zeros((h, w)), Array2::<u8>::zeros((h, w)));
        equalize(input.view(), got.view_mut()).unwrap();
        equalize::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
        let mut cdf = [0i64; 256];
        for &v in &input {
            cdf[v as usize] += 1;
        }
        for i in 1..256 {
            cdf[i] += cdf[i - 1];
        }
        let total = (h * w) as i64;
        let by_hand = input.mapv(|v| (cdf[v as usize] * 255 / total) as u8);
        assert_eq!(got, by_hand, "{h}x{w}");

        let a = pattern_f32(h, w);
        let (mut got, mut want) = (Array2::<f32>::zeros((h, w)), Array2::<f32>::zeros((h, w)));
        row_filter(a.view(), got.view_mut()).unwrap();
        row_filter::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
        let mut by_hand = a.clone();
        for y in 0..h {
            for x in 1..w {
                by_hand[[y, x]] = by_hand[[y, x - 1]] * 0.5 + a[[y, x]];
            }
        }
        assert_eq!(got, by_hand, "{h}x{w}");
    }
}
