//! `specialize(cond)` (DESIGN.md section 4): a second loop schedule chosen at run time. Each
//! kernel is run on shapes that take every version and compared with its `reference`.

use halite::prelude::*;
use halite::rt::isa::with_isa;
use halite::rt::Isa;

fn pattern_u16(h: usize, w: usize) -> Array2<u16> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 131 + x * 17 + y * x) % 4099) as u16)
}

/// A blur whose vectorized, tiled schedule is used only for widths that are multiples of 32.
#[kernel]
fn blur_spec(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.split(y, y, yi, 8);
        blur_x.compute_at(out, y);
        out.specialize(out.ncols() % 32 == 0).split(x, xo, xi, 32).vectorize(xi, 16).parallel(y);
        blur_x.specialize(out.ncols() % 32 == 0).vectorize(x, 16);
        out.unroll(yi, 2);
    }
}

#[test]
fn specialized_blur_matches_reference_on_both_versions() {
    for (h, w) in [
        (8, 64),
        (9, 64),
        (16, 33),
        (1, 1),
        (3, 32),
        (17, 96),
        (5, 31),
    ] {
        let input = pattern_u16(h + 2, w + 2);
        let mut out = Array2::<u16>::zeros((h, w));
        let mut r = Array2::<u16>::zeros((h, w));
        blur_spec(input.view(), out.view_mut()).unwrap();
        blur_spec::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w}");
    }
}

#[test]
fn specialized_loop_nest_shows_every_version() {
    let text = blur_spec::loop_nest();
    let spec = text.find("specialized when").expect(text);
    let other = text.find("otherwise:").expect(text);
    assert!(spec < other, "{text}");
    // The specialization has the vector loop and the parallel loop; the general one unrolls
    // `yi`, which the specialization (written before `unroll`) does not.
    let (s, g) = text.split_at(other);
    assert!(s.contains("vectorized") && s.contains("parallel"), "{text}");
    assert!(
        !g.contains("vectorized") && !g.contains("parallel"),
        "{text}"
    );
    assert!(g.contains("unrolled") && !s.contains("unrolled"), "{text}");
}

/// Two specializations of one stage: the first whose condition holds wins; each version
/// checks its own inputs.
#[kernel]
fn scale(input: ArrayView2<f32>, k: i32, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = input(y, x) * (k as f32) + 1.0;
    schedule! {
        out.specialize(k == 1).vectorize(x, 8);
        out.specialize(out.ncols() >= 16).vectorize(x, 16).parallel(y);
        out.specialize(k == 1).unroll(y, 2);
    }
}

#[test]
fn several_specializations_of_one_stage() {
    let text = scale::loop_nest();
    assert_eq!(text.matches("specialized when").count(), 2, "{text}");
    for (h, w, k) in [(3, 40, 1), (3, 40, 2), (5, 7, 1), (5, 7, 3), (1, 16, 0)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| (y * w + x) as f32 * 0.5);
        let mut out = Array2::<f32>::zeros((h, w));
        let mut r = Array2::<f32>::zeros((h, w));
        scale(input.view(), k, out.view_mut()).unwrap();
        scale::reference(input.view(), k, r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w} k={k}");
        // A too-small input is an error in every version.
        let small = Array2::<f32>::zeros((h, w - 1));
        assert!(scale(small.view(), k, out.view_mut()).is_err());
    }
}

/// An update stage specialized: the row sums vectorize over rows when there are many.
#[kernel]
fn row_sums(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(y) = 0;
    out(y) += a(y, r);
    schedule! {
        out.update(0).specialize(a.nrows() >= 64).reorder(r, y).vectorize(y, 16);
    }
}

#[test]
fn specialized_update_stage() {
    assert!(row_sums::loop_nest().contains("vectorized"));
    for (h, w) in [(64, 5), (100, 3), (63, 9), (1, 1), (70, 0)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| (y * 3 + x * 5) as i32 - 40);
        let mut out = Array1::<i32>::zeros(h);
        let mut r = Array1::<i32>::zeros(h);
        row_sums(a.view(), out.view_mut()).unwrap();
        row_sums::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(out, r, "{h}x{w}");
        assert_eq!(out, a.sum_axis(Axis(1)));
    }
}

/// A filter whose length is only known at run time; the specialization for three taps knows it
/// (its condition pins `k.len()`), so its reduction loop has a constant extent and unrolls
/// whole, and a scalar parameter pinned to a value is that value inside the version.
#[kernel]
fn taps(
    input: ArrayView1<f32>,
    k: ArrayView1<f32>,
    step: usize,
    out: ArrayViewMut1<f32>,
) -> Result<(), Error> {
    let r = rdom(0..k.len());
    out(x) = 0.0f32;
    out(x) += k(r) * input(x * step + r);
    schedule! {
        out.update(0).specialize(k.len() == 3 && step == 1).reorder(r, x).vectorize(x, 8);
        out.update(0).reorder(r, x);
    }
}

#[test]
fn specialization_knows_the_values_its_condition_pins() {
    let text = taps::loop_nest();
    let spec = text
        .split("specialized when")
        .nth(1)
        .expect("a specialized version");
    let (spec, general) = spec.split_once("otherwise:").expect(text);
    // Inside the version: `k.extent.0` is 3 and `step` is 1, so neither appears in its nest
    // (after the condition on its first line); the general version still reads both.
    let body = spec.split_once('\n').map(|(_, b)| b).unwrap_or(spec);
    assert!(!body.contains("k.extent.0"), "{text}");
    assert!(!body.contains("step"), "{text}");
    assert!(body.contains("[0, +3)"), "{text}");
    assert!(
        general.contains("k.extent.0") && general.contains("step"),
        "{text}"
    );
    for (n, kl, step) in [
        (37, 3, 1),
        (37, 3, 2),
        (20, 4, 1),
        (5, 3, 1),
        (0, 3, 1),
        (9, 0, 1),
    ] {
        let input = Array1::from_shape_fn(n * step + kl + 1, |i| (i % 7) as f32 - 2.5);
        let k = Array1::from_shape_fn(kl, |i| 0.5 + i as f32);
        let (mut got, mut want) = (Array1::<f32>::zeros(n), Array1::<f32>::zeros(n));
        taps(input.view(), k.view(), step, got.view_mut()).unwrap();
        taps::reference(input.view(), k.view(), step, want.view_mut()).unwrap();
        assert_eq!(got, want, "n {n}, {kl} taps, step {step}");
    }
}

/// An output extent pinned by the condition: the version's loops run over the constant.
#[kernel]
fn rows16(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = input(y, x) * 3 - input(y, x + 1);
    schedule! {
        out.specialize(out.ncols() == 16).vectorize(x, 16);
    }
}

#[test]
fn specialization_on_an_output_extent() {
    let text = rows16::loop_nest();
    let spec = text.split("specialized when").nth(1).expect(text);
    let (spec, _) = spec.split_once("otherwise:").expect(text);
    let body = spec.split_once('\n').map(|(_, b)| b).unwrap_or(spec);
    assert!(!body.contains("out.extent.1"), "{text}");
    for (h, w) in [(3, 16), (5, 15), (2, 17), (1, 1), (0, 16)] {
        let input = Array2::from_shape_fn((h, w + 1), |(y, x)| (y * 31 + x * 7) as i32 - 50);
        let (mut got, mut want) = (Array2::<i32>::zeros((h, w)), Array2::<i32>::zeros((h, w)));
        rows16(input.view(), got.view_mut()).unwrap();
        rows16::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
}

/// A pinned output extent is a constant for `vectorize(x)` and `unroll(y)` without a size,
/// as a pinned reduction domain is (the extent used to be unknown when the size was found).
#[kernel]
fn pinned_whole(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = input(y, x) * 3 - (y + x);
    schedule! {
        out.specialize(out.ncols() == 4 && out.nrows() == 3).vectorize(x).unroll(y);
    }
}

#[test]
fn pinned_output_extents_size_whole_vectors_and_unrolls() {
    let text = pinned_whole::loop_nest();
    assert!(
        text.contains("vectorized(x4)") && text.contains("unrolled(x3)"),
        "{text}"
    );
    for (h, w) in [(3, 4), (3, 5), (2, 4), (1, 1), (0, 4)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| (y * 31 + x * 7) as i32 - 50);
        let mut want = Array2::<i32>::zeros((h, w));
        pinned_whole::reference(input.view(), want.view_mut()).unwrap();
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array2::<i32>::zeros((h, w));
            with_isa(isa, || pinned_whole(input.view(), got.view_mut())).unwrap();
            assert_eq!(got, want, "{isa:?} {h}x{w}");
        }
    }
}

/// A schedule per instruction set (`if isa(..)` in `schedule!`): 16 lanes in tiles of 32 on
/// AVX-512, 8 lanes on AVX2 and NEON, a specialization on SSE2, and the directives outside
/// the branches alone for the portable path.
#[kernel]
fn blur_per_isa(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.split(y, y, yi, 4);
        if isa(avx512) {
            out.split(x, xo, xi, 32).vectorize(xi, 16).parallel(y);
            blur_x.compute_at(out, xo).vectorize(x, 16);
        } else if isa(avx2, neon) {
            out.vectorize(x, 8);
            blur_x.compute_at(out, y).vectorize(x, 8);
        } else if isa(sse2) {
            out.specialize(out.ncols() % 8 == 0).vectorize(x, 8);
            blur_x.compute_at(out, y);
        }
        out.unroll(yi);
    }
}

#[test]
fn schedule_per_instruction_set_matches_reference_on_every_path() {
    use halite::rt::Isa;
    let mut ran = 0;
    for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
        if !isa.supported() {
            let input = pattern_u16(6, 6);
            let mut out = Array2::<u16>::zeros((4, 4));
            let r = halite::rt::isa::with_isa(isa, || blur_per_isa(input.view(), out.view_mut()));
            assert!(
                matches!(r, Err(Error::UnsupportedIsa { .. })),
                "{isa:?}: {r:?}"
            );
            continue;
        }
        ran += 1;
        for (h, w) in [(8, 64), (9, 40), (1, 1), (3, 7), (17, 96), (5, 33)] {
            let input = pattern_u16(h + 2, w + 2);
            let mut out = Array2::<u16>::zeros((h, w));
            let mut r = Array2::<u16>::zeros((h, w));
            halite::rt::isa::with_isa(isa, || blur_per_isa(input.view(), out.view_mut())).unwrap();
            blur_per_isa::reference(input.view(), r.view_mut()).unwrap();
            assert_eq!(out, r, "{isa:?} {h}x{w}");
            // A transposed view takes the portable path of the same schedule.
            let t = input.t().to_owned();
            let mut out_t = Array2::<u16>::zeros((h, w));
            halite::rt::isa::with_isa(isa, || blur_per_isa(t.t(), out_t.view_mut())).unwrap();
            assert_eq!(out_t, r, "{isa:?} {h}x{w} transposed input");
        }
    }
    assert!(ran >= 2, "at least one vector path and the portable one");
}

#[test]
fn loop_nest_shows_the_schedule_of_each_instruction_set() {
    let text = blur_per_isa::loop_nest();
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("no {s:?} in\n{text}"))
    };
    let (a, b, c, d) = (
        at("for avx512:"),
        at("for avx2, neon:"),
        at("for sse2:"),
        at("for scalar:"),
    );
    assert!(a < b && b < c && c < d, "{text}");
    assert!(
        text[a..b].contains("parallel") && text[a..b].contains("vectorized(x16)"),
        "{text}"
    );
    assert!(
        text[b..c].contains("vectorized(x8)") && !text[b..c].contains("parallel"),
        "{text}"
    );
    assert!(text[c..d].contains("specialized when"), "{text}");
    assert!(
        !text[d..].contains("vectorized") && text[d..].contains("unrolled"),
        "{text}"
    );
}
