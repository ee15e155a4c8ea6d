//! Kernels of every construct of DESIGN.md sections 1-3, each compared with a hand-written
//! Rust loop and with its `reference`, on standard, transposed, strided and reversed views.

use halite::prelude::*;
use ndarray::s;

fn pattern_u16(h: usize, w: usize) -> Array2<u16> {
    Array2::from_shape_fn((h, w), |(y, x)| {
        ((y * 131 + x * 71 + (x * y) % 17) % 65536) as u16
    })
}
fn pattern_u8(h: usize, w: usize) -> Array2<u8> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 37 + x * 11 + y * x) % 256) as u8)
}
fn pattern_f32(h: usize, w: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 23) as f32 * 0.37 - 2.5)
}

// ---------------------------------------------------------------------------------------------
// 1. The DESIGN.md blur, without a schedule and with compute_root.

#[kernel]
fn blur_inline(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
}

#[kernel]
fn blur_root(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        blur_x.compute_root();
    }
}

fn blur_by_hand(input: &Array2<u16>, h: usize, w: usize) -> Array2<u16> {
    let mut bx = Array2::<u16>::zeros((h + 2, w));
    for y in 0..h + 2 {
        for x in 0..w {
            let s = input[[y, x]]
                .wrapping_add(input[[y, x + 1]])
                .wrapping_add(input[[y, x + 2]]);
            bx[[y, x]] = s / 3;
        }
    }
    Array2::from_shape_fn((h, w), |(y, x)| {
        bx[[y, x]]
            .wrapping_add(bx[[y + 1, x]])
            .wrapping_add(bx[[y + 2, x]])
            / 3
    })
}

#[test]
fn design_blur_is_exact_at_1024() {
    let input = pattern_u16(1026, 1026);
    let expected = blur_by_hand(&input, 1024, 1024);
    let mut a = Array2::<u16>::zeros((1024, 1024));
    blur_inline(input.view(), a.view_mut()).unwrap();
    assert_eq!(a, expected);
    let mut b = Array2::<u16>::zeros((1024, 1024));
    blur_root(input.view(), b.view_mut()).unwrap();
    assert_eq!(b, expected);
}

#[test]
fn blur_matches_reference_on_odd_shapes() {
    for (h, w) in [(1, 1), (3, 7), (17, 5), (2, 64)] {
        let input = pattern_u16(h + 2, w + 2);
        let mut a = Array2::<u16>::zeros((h, w));
        let mut r = Array2::<u16>::zeros((h, w));
        blur_root(input.view(), a.view_mut()).unwrap();
        blur_root::reference(input.view(), r.view_mut()).unwrap();
        assert_eq!(a, r);
        assert_eq!(a, blur_by_hand(&input, h, w));
    }
}

#[test]
fn blur_accepts_larger_inputs_and_any_layout() {
    let big = pattern_u16(40, 50);
    let expected = blur_by_hand(&big, 20, 30);
    // A larger input: only its top-left corner is read.
    let mut a = Array2::<u16>::zeros((20, 30));
    blur_root(big.view(), a.view_mut()).unwrap();
    assert_eq!(a, expected);
    // A transposed input and a transposed output.
    let t = big.t().to_owned();
    let mut o = Array2::<u16>::zeros((30, 20));
    blur_inline(t.t(), o.view_mut().reversed_axes()).unwrap();
    assert_eq!(o.t(), expected);
    // A strided input: every other column of a wider array.
    let wide = Array2::from_shape_fn(
        (22, 64),
        |(y, x)| if x % 2 == 0 { big[[y, x / 2]] } else { 9999 },
    );
    let mut c = Array2::<u16>::zeros((20, 30));
    blur_root(wide.slice(s![.., ..;2]), c.view_mut()).unwrap();
    assert_eq!(
        c,
        blur_by_hand(&big.slice(s![..22, ..32]).to_owned(), 20, 30)
    );
    // A reversed input and a reversed output.
    let rev = big.slice(s![..;-1, ..]).to_owned();
    let mut d = Array2::<u16>::zeros((20, 30));
    blur_inline(rev.slice(s![..;-1, ..]), d.slice_mut(s![..;-1, ..])).unwrap();
    let flipped = expected.slice(s![..;-1, ..]).to_owned();
    // `rev` reversed is `big`, so the output (stored reversed) is `expected` flipped.
    assert_eq!(d, flipped);
}

// ---------------------------------------------------------------------------------------------
// 2. Entry checks: too-small inputs return Err and leave the output untouched.

#[test]
fn too_small_input_is_an_error_and_output_is_untouched() {
    let input = pattern_u16(10, 10);
    let mut out = Array2::<u16>::from_elem((9, 8), 77);
    let err = blur_root(input.view(), out.view_mut()).unwrap_err();
    assert!(out.iter().all(|&v| v == 77));
    match &err {
        Error::InputTooSmall {
            buffer,
            axis,
            needed,
            extent,
            ..
        } => {
            assert_eq!(
                (*buffer, *axis, *needed, *extent),
                ("input", 0, (0, 10), 10)
            );
        }
        other => panic!("unexpected error {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("`input` is too small on axis 0"), "{msg}");
    assert!(msg.contains("0..=10"), "{msg}");
    // The reference reports the first read outside the input.
    let e = blur_root::reference(input.view(), out.view_mut()).unwrap_err();
    assert!(matches!(e, Error::ReferenceOutOfBounds { .. }), "{e:?}");
    assert!(out.iter().all(|&v| v == 77));
}

// Producers computed inside the output widen its region by their stencils, so their regions
// are not empty when the output is.
#[kernel]
fn padded_stages(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = constant_exterior(input, 1.5);
    f1(y, x) = p(y, x - 1) + p(y, x + 1);
    f2(y, x) = f1(y - 1, x) * f1(y + 1, x);
    f3(y, x) = f2(y, x - 2) - f2(y, x + 2);
    out(y, x) = f3(y - 1, x) + f3(y + 1, x);
    schedule! {
        out.split(y, yo, yi, 8).parallel(yo).vectorize(x, 8);
        f3.compute_at(out, yi).store_at(out, yo).vectorize(x, 8);
        f2.compute_at(f3, y).vectorize(x, 4);
        f1.compute_at(f2, y).store_root().vectorize(x, 8);
    }
}

#[test]
fn empty_outputs_read_nothing() {
    let input = Array2::<u16>::zeros((0, 0));
    let mut out = Array2::<u16>::zeros((0, 5));
    blur_root(input.view(), out.view_mut()).unwrap();
    let mut out = Array2::<u16>::zeros((4, 0));
    blur_inline(input.view(), out.view_mut()).unwrap();
    for (h, w) in [(5, 0), (0, 5), (0, 0)] {
        let input = Array2::<f32>::zeros((h, w));
        let mut out = Array2::<f32>::zeros((h, w));
        padded_stages(input.view(), out.view_mut()).unwrap();
        padded_stages::reference(input.view(), out.view_mut()).unwrap();
    }
    let input = Array2::from_shape_fn((9, 13), |(y, x)| (y * 13 + x) as f32 * 0.25);
    let (mut got, mut want) = (Array2::zeros((9, 13)), Array2::zeros((9, 13)));
    padded_stages(input.view(), got.view_mut()).unwrap();
    padded_stages::reference(input.view(), want.view_mut()).unwrap();
    assert_eq!(got, want);
}

// `RoundUp` computes a Func past the end of its region, so what those points read is read too:
// an input read directly must cover the rounded-up region (as in Halide), and the kernel says so
// with `Err` before writing anything; read through a boundary condition, any input works.
#[kernel]
fn rounded_up(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    g(y, x) = a(y, x) * 2.0 + 1.0;
    out(y, x) = g(y, x) - g(y, x + 1);
    schedule! {
        g.compute_root().split(x, xo, xi, 4, RoundUp).vectorize(xi);
    }
}

#[kernel]
fn rounded_up_padded(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = repeat_edge(a);
    g(y, x) = p(y, x) * 2.0 + 1.0;
    out(y, x) = g(y, x) - g(y, x + 1);
    schedule! {
        g.compute_root().split(x, xo, xi, 4, RoundUp).vectorize(xi);
    }
}

#[test]
fn round_up_reads_inputs_over_the_rounded_region() {
    // 41 columns of `out` read 42 of `g`, rounded up to 44: `a` needs 44 columns.
    let a = pattern_f32(3, 42);
    let mut out = Array2::<f32>::from_elem((3, 41), 7.0);
    match rounded_up(a.view(), out.view_mut()) {
        Err(Error::InputTooSmall {
            buffer: "a",
            axis: 1,
            needed: (0, 43),
            extent: 42,
            ..
        }) => {}
        other => panic!("expected InputTooSmall for `a`, got {other:?}"),
    }
    assert!(out.iter().all(|&v| v == 7.0));
    let mut want = Array2::<f32>::zeros((3, 41));
    rounded_up::reference(a.view(), want.view_mut()).unwrap();
    // An input that covers the rounded-up region gives the same values.
    let wide = pattern_f32(3, 44);
    rounded_up(wide.view(), out.view_mut()).unwrap();
    rounded_up::reference(wide.view(), want.view_mut()).unwrap();
    assert_eq!(out, want);
    // Through a boundary condition, the exact input works.
    for (h, w) in [(3, 42), (1, 1), (2, 5), (4, 9)] {
        let a = pattern_f32(h, w);
        let (mut got, mut want) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        rounded_up_padded(a.view(), got.view_mut()).unwrap();
        rounded_up_padded::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
}

// `vectorize(xi)` without a size takes the extent of `xi`: after a guarded split, its factor.
// The split's outer loop and its vector loop then run as one flat vector loop over the row.
#[kernel]
fn split_then_vectorize(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = constant_exterior(a, 3.0);
    out(y, x) = p(y, x * 2 + 1) - p(y - 1, x + 2);
    schedule! {
        out.split(x, xo, xi, 8).vectorize(xi);
    }
}

// The same with a factor that is not a power of two: three lanes.
#[kernel]
fn split_then_vectorize3(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = constant_exterior(a, 3.0);
    out(y, x) = p(y, x * 2 + 1) - p(y - 1, x + 2);
    schedule! {
        out.split(x, xo, xi, 3).vectorize(xi);
    }
}

#[test]
fn vectorize_without_a_size_after_a_split() {
    assert!(split_then_vectorize::loop_nest().contains("vectorized"));
    for (h, w) in [(1, 1), (3, 7), (4, 8), (5, 33)] {
        let a = pattern_f32(h + 2, w + 3);
        for k in [split_then_vectorize, split_then_vectorize3] {
            let (mut got, mut want) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
            k(a.view(), got.view_mut()).unwrap();
            split_then_vectorize::reference(a.view(), want.view_mut()).unwrap();
            assert_eq!(got, want, "{h}x{w}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Point-wise kernels: wrapping, casts, selects, scalar parameters, math methods.

#[kernel]
fn brighten(
    input: ArrayView2<u8>,
    gain: f32,
    offset: f32,
    out: ArrayViewMut2<u8>,
) -> Result<(), Error> {
    out(y, x) = (input(y, x) as f32 * gain + offset) as u8;
}

#[kernel]
fn threshold(input: ArrayView2<u8>, t: u8, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    let hi = 255;
    out(y, x) = if input(y, x) > t {
        hi
    } else if input(y, x) == t {
        128
    } else {
        0
    };
}

#[kernel]
fn wrap_u8(input: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    out(y, x) = input(y, x) * 3 + 200 - (input(y, x) >> 2) ^ 0x5a;
}

#[test]
fn pointwise_u8() {
    println!("{}", wrap_u8::loop_nest());
    let input = pattern_u8(13, 29);
    let mut out = Array2::<u8>::zeros((13, 29));
    brighten(input.view(), 1.7, -20.5, out.view_mut()).unwrap();
    let expected = input.mapv(|v| (v as f32 * 1.7 + -20.5) as u8);
    assert_eq!(out, expected);

    threshold(input.view(), 100, out.view_mut()).unwrap();
    assert_eq!(
        out,
        input.mapv(|v| if v > 100 {
            255
        } else if v == 100 {
            128
        } else {
            0
        })
    );

    wrap_u8(input.view(), out.view_mut()).unwrap();
    let expected = input.mapv(|v| v.wrapping_mul(3).wrapping_add(200).wrapping_sub(v >> 2) ^ 0x5a);
    assert_eq!(out, expected);
    let mut r = Array2::<u8>::zeros((13, 29));
    wrap_u8::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out, r);
}

#[kernel]
fn math(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let v = input(y, x);
    let a = v.abs().sqrt() + v.exp() * 0.5 - v.sin() * v.cos() + v.atan2(1.5);
    let b = (v.abs() + 1.0).ln() + (v.abs() + 1.0).log2() - v.tan().clamp(-3.0, 3.0);
    let c = v.floor() + v.ceil() * 2.0 + v.round() * 3.0 + v.trunc() * 4.0;
    let d = v.mul_add(2.0, 1.0)
        + v.powi(3)
        + v.abs().powf(0.75)
        + v.div_euclid(0.7)
        + v.rem_euclid(0.7);
    out(y, x) = a + b + c + d + v.min(0.5) - v.max(-0.5) + v % 1.25;
}

#[test]
fn every_math_method_matches_rust() {
    let input = pattern_f32(9, 31);
    let mut out = Array2::<f32>::zeros((9, 31));
    math(input.view(), out.view_mut()).unwrap();
    let expected = input.mapv(|v| {
        let a = v.abs().sqrt() + v.exp() * 0.5 - v.sin() * v.cos() + v.atan2(1.5);
        let b = (v.abs() + 1.0).ln() + (v.abs() + 1.0).log2() - v.tan().clamp(-3.0, 3.0);
        let c = v.floor() + v.ceil() * 2.0 + v.round() * 3.0 + v.trunc() * 4.0;
        let d = v.mul_add(2.0, 1.0)
            + v.powi(3)
            + v.abs().powf(0.75)
            + v.div_euclid(0.7)
            + v.rem_euclid(0.7);
        a + b + c + d + v.min(0.5) - v.max(-0.5) + v % 1.25
    });
    // Bit-exact: no reassociation, no contraction.
    assert_eq!(out.mapv(f32::to_bits), expected.mapv(f32::to_bits));
    let mut r = Array2::<f32>::zeros((9, 31));
    math::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out.mapv(f32::to_bits), r.mapv(f32::to_bits));
}

#[kernel]
fn int_div(
    a: ArrayView1<i32>,
    b: ArrayView1<i32>,
    q: ArrayViewMut1<i32>,
    r: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    q(x) = a(x) / b(x) + a(x).div_euclid(b(x)) * 1000;
    r(x) = a(x) % b(x) + a(x).rem_euclid(b(x)) * 1000 + (-a(x)).abs();
}

#[test]
fn integer_division_is_total_and_wraps() {
    let a = Array1::from(vec![7, -7, i32::MIN, 5, i32::MIN, 0, 100]);
    let b = Array1::from(vec![2, 2, -1, 0, 1, 0, -3]);
    let mut q = Array1::<i32>::zeros(7);
    let mut r = Array1::<i32>::zeros(7);
    int_div(a.view(), b.view(), q.view_mut(), r.view_mut()).unwrap();
    let div = |x: i32, y: i32| if y == 0 { 0 } else { x.wrapping_div(y) };
    let rem = |x: i32, y: i32| if y == 0 { 0 } else { x.wrapping_rem(y) };
    let de = |x: i32, y: i32| if y == 0 { 0 } else { x.wrapping_div_euclid(y) };
    let re = |x: i32, y: i32| if y == 0 { 0 } else { x.wrapping_rem_euclid(y) };
    for i in 0..7 {
        let (x, y) = (a[i], b[i]);
        assert_eq!(
            q[i],
            div(x, y).wrapping_add(de(x, y).wrapping_mul(1000)),
            "q at {i}"
        );
        let e = rem(x, y)
            .wrapping_add(re(x, y).wrapping_mul(1000))
            .wrapping_add(x.wrapping_neg().wrapping_abs());
        assert_eq!(r[i], e, "r at {i}");
    }
    let (mut q2, mut r2) = (Array1::<i32>::zeros(7), Array1::<i32>::zeros(7));
    int_div::reference(a.view(), b.view(), q2.view_mut(), r2.view_mut()).unwrap();
    assert_eq!((q, r), (q2, r2));
}

// ---------------------------------------------------------------------------------------------
// 4. Boundary conditions, with Halide's meaning far outside the input too.

#[kernel]
fn pads(
    input: ArrayView2<i16>,
    edge: ArrayViewMut2<i16>,
    constant: ArrayViewMut2<i16>,
    mirror: ArrayViewMut2<i16>,
    interior: ArrayViewMut2<i16>,
) -> Result<(), Error> {
    let a = repeat_edge(input);
    let b = constant_exterior(input, -1);
    let c = mirror_image(input);
    let d = mirror_interior(input);
    edge(y, x) = a(y - 9, x - 12);
    constant(y, x) = b(y - 9, x - 12);
    mirror(y, x) = c(y - 9, x - 12);
    interior(y, x) = d(y - 9, x - 12);
}

fn mirror_index(i: i64, n: i64, interior: bool) -> i64 {
    // Reflect until inside, one step at a time (an independent formulation).
    let mut i = i;
    loop {
        if i < 0 {
            i = if interior { -i } else { -i - 1 };
        } else if i >= n {
            i = if interior {
                2 * (n - 1) - i
            } else {
                2 * n - 1 - i
            };
        } else {
            return i;
        }
        if n == 1 {
            return 0;
        }
    }
}

#[test]
fn boundary_conditions() {
    let (h, w) = (5usize, 4usize);
    let input = Array2::from_shape_fn((h, w), |(y, x)| (y * 10 + x) as i16);
    let shape = (h + 21, w + 25);
    let mut outs: Vec<Array2<i16>> = (0..4).map(|_| Array2::zeros(shape)).collect();
    let [e, c, m, i] = &mut outs[..] else {
        unreachable!()
    };
    pads(
        input.view(),
        e.view_mut(),
        c.view_mut(),
        m.view_mut(),
        i.view_mut(),
    )
    .unwrap();
    for y in 0..shape.0 {
        for x in 0..shape.1 {
            let (iy, ix) = (y as i64 - 9, x as i64 - 12);
            let at = |yy: i64, xx: i64| input[[yy as usize, xx as usize]];
            let clamp = |v: i64, n: usize| v.clamp(0, n as i64 - 1);
            assert_eq!(e[[y, x]], at(clamp(iy, h), clamp(ix, w)));
            let inside = (0..h as i64).contains(&iy) && (0..w as i64).contains(&ix);
            assert_eq!(c[[y, x]], if inside { at(iy, ix) } else { -1 });
            assert_eq!(
                m[[y, x]],
                at(
                    mirror_index(iy, h as i64, false),
                    mirror_index(ix, w as i64, false)
                )
            );
            assert_eq!(
                i[[y, x]],
                at(
                    mirror_index(iy, h as i64, true),
                    mirror_index(ix, w as i64, true)
                ),
                "({y}, {x})"
            );
        }
    }
    let mut refs: Vec<Array2<i16>> = (0..4).map(|_| Array2::zeros(shape)).collect();
    let [e2, c2, m2, i2] = &mut refs[..] else {
        unreachable!()
    };
    pads::reference(
        input.view(),
        e2.view_mut(),
        c2.view_mut(),
        m2.view_mut(),
        i2.view_mut(),
    )
    .unwrap();
    assert_eq!(outs, refs);
}

#[test]
fn boundary_condition_on_an_empty_input_is_an_error() {
    let input = Array2::<i16>::zeros((0, 3));
    let mut o: Vec<Array2<i16>> = (0..4).map(|_| Array2::zeros((2, 2))).collect();
    let [e, c, m, i] = &mut o[..] else {
        unreachable!()
    };
    let r = pads(
        input.view(),
        e.view_mut(),
        c.view_mut(),
        m.view_mut(),
        i.view_mut(),
    );
    assert!(
        matches!(r, Err(Error::InputTooSmall { axis: 0, .. })),
        "{r:?}"
    );
    // The message says the input is empty, not that it needs a boundary condition.
    let text = r.unwrap_err().to_string();
    assert!(text.contains("`input` is empty on axis 0"), "{text}");
    assert!(!text.contains("add a boundary condition"), "{text}");
}

/// `bound` on an intermediate fixes the region computed: a read outside it is an error that
/// names the bound, not a too-small buffer the caller could enlarge.
#[kernel]
fn bounded_intermediate(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    g(x) = a(x) * 2;
    out(x) = g(x) + 1;
    schedule! {
        g.compute_root().bound(x, 0, 8).vectorize(x, 4);
    }
}

#[test]
fn reads_outside_a_bound_name_the_bound() {
    let a = Array1::from_iter(0..12);
    let mut out = Array1::zeros(8);
    bounded_intermediate(a.view(), out.view_mut()).unwrap();
    assert_eq!(out, Array1::from_iter((0..8).map(|v| v * 2 + 1)));
    let mut out = Array1::from_elem(9, -1);
    let e = bounded_intermediate(a.view(), out.view_mut()).unwrap_err();
    assert_eq!(
        e,
        Error::BoundTooSmall {
            kernel: "bounded_intermediate",
            func: "g",
            axis: 0,
            needed: (0, 8),
            bound: (0, 8),
        }
    );
    assert!(e.to_string().contains("widen the `bound`"), "{e}");
    assert!(out.iter().all(|&v| v == -1));
}

// A blur with a boundary condition accepts any output size for any input size.
#[kernel]
fn blur_clamped(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = repeat_edge(input);
    blur_x(y, x) = (p(y, x - 1) + p(y, x) + p(y, x + 1)) * (1.0 / 3.0);
    out(y, x) = (blur_x(y - 1, x) + blur_x(y, x) + blur_x(y + 1, x)) * (1.0 / 3.0);
    schedule! {
        blur_x.compute_root();
    }
}

#[test]
fn clamped_blur_matches_hand_loop() {
    let input = pattern_f32(12, 9);
    let mut out = Array2::<f32>::zeros((12, 9));
    blur_clamped(input.view(), out.view_mut()).unwrap();
    let p = |y: i64, x: i64| input[[y.clamp(0, 11) as usize, x.clamp(0, 8) as usize]];
    let bx = |y: i64, x: i64| (p(y, x - 1) + p(y, x) + p(y, x + 1)) * (1.0f32 / 3.0);
    for y in 0..12i64 {
        for x in 0..9i64 {
            let v = (bx(y - 1, x) + bx(y, x) + bx(y + 1, x)) * (1.0f32 / 3.0);
            assert_eq!(out[[y as usize, x as usize]].to_bits(), v.to_bits());
        }
    }
    // The output may be larger than the input: the edge repeats.
    let mut big = Array2::<f32>::zeros((20, 30));
    blur_clamped(input.view(), big.view_mut()).unwrap();
    let mut r = Array2::<f32>::zeros((20, 30));
    blur_clamped::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(big, r);
}

// ---------------------------------------------------------------------------------------------
// 5. Shapes, extents, ranks, f16, usize parameters, several outputs.

#[kernel]
fn flip(input: ArrayView2<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    out(y, x) = input(input.nrows() - 1 - y, input.ncols() - 1 - x);
}

#[test]
fn shape_expressions() {
    let input = pattern_u8(6, 7);
    let mut out = Array2::<u8>::zeros((6, 7));
    flip(input.view(), out.view_mut()).unwrap();
    assert_eq!(out, input.slice(s![..;-1, ..;-1]));
    // A smaller output reads the bottom-right corner.
    let mut small = Array2::<u8>::zeros((2, 3));
    flip(input.view(), small.view_mut()).unwrap();
    assert_eq!(
        small,
        Array2::from_shape_fn((2, 3), |(y, x)| input[[5 - y, 6 - x]])
    );
}

#[kernel]
fn gray(rgb: ArrayView3<u8>, out: ArrayViewMut2<u8>) -> Result<(), Error> {
    let r = rgb(0, y, x) as f32;
    let g = rgb(1, y, x) as f32;
    let b = rgb(2, y, x) as f32;
    out(y, x) = (0.299 * r + 0.587 * g + 0.114 * b + 0.5) as u8;
}

#[test]
fn three_dimensional_input() {
    let rgb = Array3::from_shape_fn((3, 8, 5), |(c, y, x)| (c * 80 + y * 9 + x * 5) as u8);
    let mut out = Array2::<u8>::zeros((8, 5));
    gray(rgb.view(), out.view_mut()).unwrap();
    let expected = Array2::from_shape_fn((8, 5), |(y, x)| {
        let (r, g, b) = (
            rgb[[0, y, x]] as f32,
            rgb[[1, y, x]] as f32,
            rgb[[2, y, x]] as f32,
        );
        (0.299f32 * r + 0.587 * g + 0.114 * b + 0.5) as u8
    });
    assert_eq!(out, expected);
    // Channels last, as an image crate would store it, viewed channels-first.
    let hwc = Array3::from_shape_fn((8, 5, 3), |(y, x, c)| rgb[[c, y, x]]);
    let chw = hwc.view().permuted_axes([2, 0, 1]);
    let mut out2 = Array2::<u8>::zeros((8, 5));
    gray(chw, out2.view_mut()).unwrap();
    assert_eq!(out2, expected);
}

#[kernel]
fn shift(input: ArrayView1<i64>, dx: usize, k: i64, out: ArrayViewMut1<i64>) -> Result<(), Error> {
    out(x) = input(x + dx as i32) * k + out.len() as i64;
}

#[test]
fn usize_parameters_and_output_extents() {
    let input = Array1::from_iter(0..20i64);
    let mut out = Array1::<i64>::zeros(10);
    shift(input.view(), 7, -3, out.view_mut()).unwrap();
    assert_eq!(out, Array1::from_iter((0..10).map(|x| (x + 7) * -3 + 10)));
    let e = shift(input.view(), 11, 1, out.view_mut()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InputTooSmall {
                needed: (11, 20),
                extent: 20,
                ..
            }
        ),
        "{e:?}"
    );
    let e = shift(input.view(), usize::MAX, 1, out.view_mut()).unwrap_err();
    assert!(
        matches!(e, Error::ScalarOutOfRange { param: "dx", .. }),
        "{e:?}"
    );
}

#[kernel]
fn widen(
    input: ArrayView1<f16>,
    out: ArrayViewMut1<f32>,
    half_out: ArrayViewMut1<f16>,
) -> Result<(), Error> {
    out(x) = input(x) as f32 * 2.0;
    half_out(x) = (out(x) + 1.0) as f16;
}

#[test]
fn f16_storage_and_an_output_read_by_another() {
    let input = Array1::from_iter((0..9).map(|i| f16::from_f32(i as f32 * 0.3)));
    let (mut out, mut h) = (
        Array1::<f32>::zeros(9),
        Array1::<f16>::from_elem(9, f16::ZERO),
    );
    widen(input.view(), out.view_mut(), h.view_mut()).unwrap();
    for i in 0..9 {
        let v = input[i].to_f32() * 2.0;
        assert_eq!(out[i], v);
        assert_eq!(h[i], f16::from_f32(v + 1.0));
    }
    // The second output reads the first one over its own shape, which must cover it.
    let mut short = Array1::<f32>::zeros(4);
    let e = widen(input.view(), short.view_mut(), h.view_mut()).unwrap_err();
    assert!(
        matches!(e, Error::InputTooSmall { buffer: "out", .. }),
        "{e:?}"
    );
}

/// Literals of a storage type: the exterior value of a `bf16` input and the other arm of a
/// select of `f16` values are the nearest storage values (as `half`'s `from_f64`).
#[kernel]
fn storage_literals(
    input: ArrayView2<half::bf16>,
    h: ArrayView1<f16>,
    out: ArrayViewMut2<f32>,
    hout: ArrayViewMut1<f16>,
) -> Result<(), Error> {
    let p = constant_exterior(input, 0.1);
    out(y, x) = p(y - 1, x + 1) as f32 * 2.0;
    hout(x) = if h(x) as f32 > 1.0 { h(x) } else { 3 };
    schedule! {
        out.vectorize(x, 8);
    }
}

#[test]
fn storage_type_literals_take_the_nearest_value() {
    let input = Array2::from_shape_fn((3, 5), |(y, x)| half::bf16::from_f32((y * 5 + x) as f32));
    let h = Array1::from_iter((0..6).map(|i| f16::from_f32(i as f32 * 0.5)));
    let mut out = Array2::<f32>::zeros((3, 5));
    let mut hout = Array1::from_elem(6, f16::ZERO);
    storage_literals(input.view(), h.view(), out.view_mut(), hout.view_mut()).unwrap();
    let pad = half::bf16::from_f64(0.1).to_f32() * 2.0;
    assert_eq!(out[[0, 0]], pad, "row -1 is outside");
    assert_eq!(out[[1, 4]], pad, "column 5 is outside");
    assert_eq!(out[[1, 0]], input[[0, 1]].to_f32() * 2.0);
    assert_eq!(hout[1], f16::from_f32(3.0));
    assert_eq!(hout[5], h[5]);
    let (mut r, mut hr) = (
        Array2::<f32>::zeros((3, 5)),
        Array1::from_elem(6, f16::ZERO),
    );
    storage_literals::reference(input.view(), h.view(), r.view_mut(), hr.view_mut()).unwrap();
    assert_eq!((out, hout), (r, hr));
}

#[kernel]
fn two_outputs(
    input: ArrayView2<i32>,
    sum: ArrayViewMut2<i32>,
    diff: ArrayViewMut2<i32>,
) -> Result<(), Error> {
    dx(y, x) = input(y, x + 1) - input(y, x);
    sum(y, x) = dx(y, x) + dx(y + 1, x);
    diff(y, x) = dx(y, x) - dx(y + 1, x);
    schedule! {
        dx.compute_root();
    }
}

#[test]
fn two_outputs_of_different_shapes() {
    let input = Array2::from_shape_fn((10, 10), |(y, x)| (y * y * 3 + x * x * 7 + x * y) as i32);
    let mut sum = Array2::<i32>::zeros((9, 9));
    let mut diff = Array2::<i32>::zeros((4, 6));
    two_outputs(input.view(), sum.view_mut(), diff.view_mut()).unwrap();
    let dx = |y: usize, x: usize| input[[y, x + 1]] - input[[y, x]];
    assert_eq!(
        sum,
        Array2::from_shape_fn((9, 9), |(y, x)| dx(y, x) + dx(y + 1, x))
    );
    assert_eq!(
        diff,
        Array2::from_shape_fn((4, 6), |(y, x)| dx(y, x) - dx(y + 1, x))
    );
    // One empty output: the other is still computed (each output's loops are skipped only
    // when that output is empty).
    let mut none = Array2::<i32>::zeros((0, 6));
    sum.fill(-1);
    two_outputs(input.view(), sum.view_mut(), none.view_mut()).unwrap();
    assert_eq!(
        sum,
        Array2::from_shape_fn((9, 9), |(y, x)| dx(y, x) + dx(y + 1, x))
    );
}

#[kernel]
fn needs_left_neighbour(input: ArrayView1<u8>, out: ArrayViewMut1<u8>) -> Result<(), Error> {
    out(x) = input(x - 1);
}

#[test]
fn negative_reads_are_errors_that_suggest_a_boundary_condition() {
    let input = Array1::<u8>::zeros(10);
    let mut out = Array1::<u8>::zeros(5);
    let e = needs_left_neighbour(input.view(), out.view_mut()).unwrap_err();
    assert!(e.to_string().contains("repeat_edge(input)"), "{e}");
}

#[kernel]
fn lookup(
    input: ArrayView2<u8>,
    table: ArrayView1<u16>,
    out: ArrayViewMut2<u16>,
) -> Result<(), Error> {
    out(y, x) = table(input(y, x) as i32) + table((input(y, x) as i32 * 3).clamp(0, 255));
}

#[test]
fn data_dependent_reads_are_bounded_by_their_type() {
    let input = pattern_u8(7, 9);
    let table = Array1::from_iter((0..256u16).map(|i| i * 3 + 1));
    let mut out = Array2::<u16>::zeros((7, 9));
    lookup(input.view(), table.view(), out.view_mut()).unwrap();
    let expected = input.mapv(|v| table[v as usize] + table[((v as usize) * 3).min(255)]);
    assert_eq!(out, expected);
    let short = Array1::from_iter(0..255u16);
    let e = lookup(input.view(), short.view(), out.view_mut()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InputTooSmall {
                buffer: "table",
                needed: (0, 255),
                ..
            }
        ),
        "{e:?}"
    );
}

#[kernel]
fn literals(input: ArrayView1<f64>, n: i32, out: ArrayViewMut1<f64>) -> Result<(), Error> {
    let third = -1.0 / 12.0;
    out(x) = input(x) * third + (n * 2 + x) as f64 + 2.5e-1;
}

#[test]
fn literal_typing() {
    let input = Array1::from_iter((0..5).map(|i| i as f64));
    let mut out = Array1::<f64>::zeros(5);
    literals(input.view(), 4, out.view_mut()).unwrap();
    for x in 0..5 {
        assert_eq!(
            out[x],
            input[x] * (-1.0 / 12.0) + (4 * 2 + x as i32) as f64 + 0.25
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Instruction sets: every path this CPU runs gives the same bits; a missing one is an error.

#[test]
fn every_instruction_set_path_agrees() {
    use halite::rt::Isa;
    let input = pattern_u16(40, 70);
    let mut expected = Array2::<u16>::zeros((38, 68));
    blur_root::reference(input.view(), expected.view_mut()).unwrap();
    let mut ran = 0;
    for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
        let mut out = Array2::<u16>::zeros((38, 68));
        let r = halite::rt::isa::with_isa(isa, || blur_root(input.view(), out.view_mut()));
        if isa.supported() {
            r.unwrap();
            assert_eq!(out, expected, "{isa:?}");
            ran += 1;
        } else {
            assert!(
                matches!(r, Err(Error::UnsupportedIsa { .. })),
                "{isa:?}: {r:?}"
            );
            assert!(out.iter().all(|&v| v == 0), "nothing written on error");
        }
    }
    assert!(ran >= 2, "at least one SIMD path and the scalar path");
    assert_eq!(Isa::from_name("AVX2"), Some(Isa::Avx2));
    assert_eq!(Isa::from_name("mmx"), None);
}

// ---------------------------------------------------------------------------------------------
// 7. A guarded split whose inner loop is moved outside its outer loop runs the full factor
//    under an `if`, as Halide's GuardWithIf does.

#[kernel]
fn inner_outside(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_y(y, x) = a(y, x) + a(y + 1, x);
    out(y, x) = blur_y(y, x) + blur_y(y, x + 1);
    schedule! {
        out.split(x, xo, xi, 8, GuardWithIf).reorder(xi, y, xo);
        blur_y.compute_at(out, y);
    }
}

#[test]
fn reordered_guarded_split() {
    for (h, w) in [(1, 1), (3, 7), (5, 8), (9, 21)] {
        // The entry check of this schedule is conservative (it asks for up to 7 extra
        // columns): give it room.
        let a = pattern_f32(h + 1, w + 8);
        let (mut o, mut r) = (Array2::<f32>::zeros((h, w)), Array2::<f32>::zeros((h, w)));
        inner_outside(a.view(), o.view_mut()).unwrap();
        inner_outside::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "{h}x{w}");
    }
    assert!(
        inner_outside::loop_nest().contains("if "),
        "{}",
        inner_outside::loop_nest()
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Float to narrow integer and to i32 casts are Rust's `as` exactly (they are emitted in a vectorizable
//    form, so check the edges).

#[kernel]
fn narrow(
    v: ArrayView1<f32>,
    d: ArrayView1<f64>,
    a: ArrayViewMut1<u8>,
    b: ArrayViewMut1<i8>,
    c: ArrayViewMut1<u16>,
    e: ArrayViewMut1<i16>,
    f: ArrayViewMut1<i32>,
    g: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    a(x) = v(x) as u8;
    b(x) = v(x) as i8;
    c(x) = d(x) as u16;
    e(x) = d(x) as i16;
    f(x) = v(x) as i32;
    g(x) = d(x) as i32;
    schedule! {
        a.vectorize(x, 16);
        b.vectorize(x, 16);
        f.vectorize(x, 8);
        g.vectorize(x, 4);
    }
}

#[test]
fn float_to_narrow_int_casts_saturate_like_rust() {
    let specials = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        0.0,
        0.4,
        0.99,
        1.0,
        -0.99,
        -1.0,
        126.9,
        127.0,
        127.5,
        128.0,
        -128.0,
        -128.9,
        -129.0,
        254.5,
        255.0,
        255.9,
        256.0,
        1e10,
        -1e10,
        32767.5,
        32768.0,
        -32768.9,
        65535.9,
        65536.0,
        2147483520.0,
        2147483648.0,
        -2147483648.0,
        -2147483904.0,
        3.5,
        -3.5,
        f32::MIN_POSITIVE,
        f32::MAX,
        f32::MIN,
    ];
    let n = specials.len() * 3;
    let v = Array1::from_iter((0..n).map(|i| specials[i % specials.len()]));
    // f64 values: the f32 ones scaled, then the edges of i32.
    let f64_edges = [
        2147483647.0,
        2147483647.9,
        2147483648.0,
        -2147483648.0,
        -2147483648.9,
        -2147483649.0,
        f64::NAN,
        f64::INFINITY,
    ];
    let d = Array1::from_iter((0..n).map(|i| match i.checked_sub(n - f64_edges.len()) {
        Some(k) => f64_edges[k],
        None => v[i] as f64 * 1.5,
    }));
    let (mut a, mut b) = (Array1::<u8>::zeros(n), Array1::<i8>::zeros(n));
    let (mut c, mut e) = (Array1::<u16>::zeros(n), Array1::<i16>::zeros(n));
    let (mut f, mut g) = (Array1::<i32>::zeros(n), Array1::<i32>::zeros(n));
    narrow(
        v.view(),
        d.view(),
        a.view_mut(),
        b.view_mut(),
        c.view_mut(),
        e.view_mut(),
        f.view_mut(),
        g.view_mut(),
    )
    .unwrap();
    for i in 0..n {
        assert_eq!(a[i], v[i] as u8, "{} as u8", v[i]);
        assert_eq!(b[i], v[i] as i8, "{} as i8", v[i]);
        assert_eq!(c[i], d[i] as u16, "{} as u16", d[i]);
        assert_eq!(e[i], d[i] as i16, "{} as i16", d[i]);
        assert_eq!(f[i], v[i] as i32, "{} as i32", v[i]);
        assert_eq!(g[i], d[i] as i32, "{} as i32", d[i]);
    }
}

#[kernel]
fn fused_pair(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 3 - a(y, x + 1);
    schedule! {
        out.split(x, xo, xi, 8).fuse(xo, xi, t).parallel(y);
    }
}

#[test]
fn fusing_a_guarded_split_back_together() {
    for (h, w) in [(1, 1), (2, 7), (3, 8), (4, 19)] {
        let a = Array2::from_shape_fn((h, w + 1), |(y, x)| (y * 31 + x * 7) as i32);
        let (mut o, mut r) = (Array2::<i32>::zeros((h, w)), Array2::<i32>::zeros((h, w)));
        fused_pair(a.view(), o.view_mut()).unwrap();
        fused_pair::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "{h}x{w}");
    }
}

/// Fused loops of producers: `fused / width` and `fused % width` stay inside the producer's
/// region, so the entry check asks for exactly the input the pipeline reads (it asked for row
/// -1 of a producer fused inside strips, and for columns -29..=32 of a reduction computed per
/// vector of a fused, vectorized producer).
#[kernel]
fn fused_in_strips(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    w(y, x) = a(y, x) + a(y, x + 1);
    out(y, x) = w(y, x) * 2;
    schedule! {
        out.split(y, y, yi, 4);
        w.compute_at(out, y).fuse(y, x, t);
    }
}

#[kernel]
fn fused_vectors_of_a_reduction(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    let r = rdom(0..4);
    g(y, x) = maximum(a(y, x + r)) + 1;
    out(y, x) = g(y, x);
    schedule! {
        g.compute_root().fuse(y, x, t).vectorize(t, 8);
    }
}

#[test]
fn fused_producers_read_only_their_region() {
    for (h, w) in [(1, 1), (2, 7), (5, 8), (6, 5), (9, 3), (0, 4)] {
        let a = Array2::from_shape_fn((h, w + 3), |(y, x)| ((y * 31 + x * 7) % 23) as i32);
        let (mut o, mut r) = (Array2::<i32>::zeros((h, w)), Array2::<i32>::zeros((h, w)));
        fused_in_strips(a.view(), o.view_mut()).unwrap();
        fused_in_strips::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "{h}x{w}");
        fused_vectors_of_a_reduction(a.view(), o.view_mut()).unwrap();
        fused_vectors_of_a_reduction::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "{h}x{w}");
    }
}

/// Typed constants and halite's `f32::exp` (vectorized here), against the reference and
/// against Rust's own constants and `exp` (which may differ from halite's by an ulp).
#[kernel]
fn constants(a: ArrayView2<f32>, b: ArrayView2<u8>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let wrapped = (b(y, x) as i32 - u8::MAX as i32) as f32;
    let low = if a(y, x) < -1.0 {
        f32::NEG_INFINITY
    } else {
        a(y, x)
    };
    out(y, x) = low.exp() + wrapped * std::f32::consts::PI + f32::EPSILON;
    schedule! {
        out.vectorize(x, 8);
    }
}

#[test]
fn typed_constants_and_exp() {
    let a = Array2::from_shape_fn((3, 21), |(y, x)| (y * 21 + x) as f32 * 0.37 - 5.0);
    let b = Array2::from_shape_fn((3, 21), |(y, x)| (y * 90 + x * 7) as u8);
    let (mut out, mut r) = (Array2::zeros((3, 21)), Array2::zeros((3, 21)));
    constants(a.view(), b.view(), out.view_mut()).unwrap();
    constants::reference(a.view(), b.view(), r.view_mut()).unwrap();
    assert_eq!(out, r);
    for ((y, x), &v) in out.indexed_iter() {
        let low = if a[[y, x]] < -1.0 {
            f32::NEG_INFINITY
        } else {
            a[[y, x]]
        };
        let want =
            low.exp() + (b[[y, x]] as i32 - 255) as f32 * std::f32::consts::PI + f32::EPSILON;
        assert!(
            (v - want).abs() <= 4.0 * f32::EPSILON * want.abs().max(1.0),
            "{v} vs {want}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 9. `#[kernel(fma)]`: every float `a * b + c` of the algorithm is one `mul_add`, in the kernel
//    on every instruction set and in `reference` alike.

#[kernel(fma)]
fn fused(a: ArrayView2<f32>, b: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    t(y, x) = a(y, x) * b(y, x) - 1.0;
    out(y, x) = 0.5 - t(y, x) * a(y, x) + b(y, x) * b(y, x) * 3.0;
    schedule! {
        t.compute_at(out, y).vectorize(x, 8);
        out.vectorize(x, 8);
    }
}

#[test]
fn fma_kernels_fuse_every_multiply_add() {
    use halite::rt::Isa;
    let (h, w) = (5, 37);
    let a = Array2::from_shape_fn((h, w), |(y, x)| {
        1.0 + (y * 37 + x) as f32 * f32::EPSILON * 3.0
    });
    let b = Array2::from_shape_fn((h, w), |(y, x)| 0.3 + (x * 7 + y) as f32 * 0.0137);
    let want = Array2::from_shape_fn((h, w), |(y, x)| {
        let (a, b) = (a[[y, x]], b[[y, x]]);
        let t = a.mul_add(b, -1.0);
        let s = (-t).mul_add(a, 0.5);
        (b * b).mul_add(3.0, s)
    });
    let unfused = Array2::from_shape_fn((h, w), |(y, x)| {
        let (a, b) = (a[[y, x]], b[[y, x]]);
        0.5 - (a * b - 1.0) * a + b * b * 3.0
    });
    assert_ne!(
        want, unfused,
        "the data must tell fused from unfused arithmetic"
    );
    let mut r = Array2::<f32>::zeros((h, w));
    fused::reference(a.view(), b.view(), r.view_mut()).unwrap();
    assert_eq!(r, want);
    for isa in [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon] {
        if !isa.supported() {
            continue;
        }
        let mut o = Array2::<f32>::zeros((h, w));
        halite::rt::isa::with_isa(isa, || fused(a.view(), b.view(), o.view_mut())).unwrap();
        assert_eq!(o, want, "on {isa:?}");
    }
    assert!(
        fused::loop_nest().contains("mul_add"),
        "{}",
        fused::loop_nest()
    );
}

/// A producer computed per tile of a `ShiftInwards` split: the last tile is shifted inwards,
/// so the union of the tiles' reads is the output's footprint; the entry check must not ask
/// for more (it did: the region's min and extent, bounded separately, added up past it).
#[kernel]
fn shifted_tiles(input: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = input(x) + input(x + 2);
    out(x) = f(x) * 2.0;
    schedule! {
        out.split(x, xo, xi, 16, ShiftInwards).vectorize(xi, 16);
        f.compute_at(out, xo).vectorize(x, 16);
    }
}

#[test]
fn shift_inwards_tiles_read_only_the_footprint() {
    for n in [1usize, 15, 16, 17, 40, 56, 57] {
        let input = Array1::from_shape_fn(n + 2, |i| i as f32 * 0.5);
        let (mut got, mut want) = (Array1::<f32>::zeros(n), Array1::<f32>::zeros(n));
        shifted_tiles(input.view(), got.view_mut()).unwrap();
        shifted_tiles::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "n = {n}");
        // One element short: an error, not a read past the end.
        let short = input.slice(ndarray::s![..n + 1]);
        assert!(shifted_tiles(short, got.view_mut()).is_err(), "n = {n}");
    }
}

/// A guarded split under a `ShiftInwards` split of its outer loop (and the same through
/// `unroll`): the shifted start is a `max(min(..))`, and the guard `min(3, n - start * 3)` must
/// cancel against it, or the entry check asks for up to two elements past the end.
#[kernel]
fn guarded_in_shifted(input: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = input(x) * 2 + input(x + 1);
    schedule! {
        out.split(x, xo, xi, 3).split(xo, o, i, 3, ShiftInwards);
    }
}

#[kernel]
fn unrolled_in_shifted(input: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = input(x) * 2 + input(x + 1);
    schedule! {
        out.unroll(x, 3).split(x, o, i, 4, ShiftInwards);
    }
}

#[test]
fn guarded_splits_inside_shifted_ones_read_only_the_footprint() {
    for n in 1usize..40 {
        let input = Array1::from_shape_fn(n + 1, |i| i as i32 * 7 - 30);
        let want = Array1::from_shape_fn(n, |i| input[i] * 2 + input[i + 1]);
        let short = input.slice(ndarray::s![..n]);
        for k in [guarded_in_shifted, unrolled_in_shifted] {
            let mut got = Array1::zeros(n);
            k(input.view(), got.view_mut()).unwrap();
            assert_eq!(got, want, "n = {n}");
            assert!(k(short, got.view_mut()).is_err(), "n = {n}");
        }
    }
}

/// A zero-padded 3 x 3 convolution with the padding inlined into register tiles of 4 x 16
/// (tiles inside the image run a copy without the padding's tests), with a clamped read
/// next to it, and an output larger or smaller than the input (tiles wholly outside it).
#[kernel]
fn padded_conv(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let (h, w) = (input.nrows(), input.ncols());
    p(y, x) = if y >= 0 && y < h && x >= 0 && x < w {
        input(y.clamp(0, h - 1), x.clamp(0, w - 1))
    } else {
        0.0f32
    };
    let (ry, rx) = rdom(0..3, 0..3);
    conv(y, x) = 0.0f32;
    conv(y, x) += p(y + ry - 1, x + rx - 1) * (ry * 3 + rx + 1) as f32;
    out(y, x) = conv(y, x) + input((y - 2).clamp(0, h - 1), x.clamp(0, w - 1));
    schedule! {
        out.tile(y, x, yi, xi, 4, 16).vectorize(xi, 8).unroll(yi);
        conv.compute_at(out, x).vectorize(x, 8).unroll(y, 4);
        conv.update(0).reorder(rx, ry, y, x).vectorize(x, 8).unroll(y, 4);
    }
}

#[test]
fn interior_copies_compute_the_padding_exactly() {
    for (h, w, oh, ow) in [
        (1, 1, 1, 1),
        (3, 5, 3, 5),
        (9, 33, 9, 33),
        (12, 40, 12, 40),
        (12, 40, 5, 17),
        (6, 10, 13, 37),
    ] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 11) as f32 - 5.0);
        let (mut got, mut want) = (
            Array2::<f32>::zeros((oh, ow)),
            Array2::<f32>::zeros((oh, ow)),
        );
        padded_conv(input.view(), got.view_mut()).unwrap();
        padded_conv::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w} -> {oh}x{ow}");
    }
    // The interior copy is there: a version of the taps reads `input` with neither the
    // padding's select nor its clamps.
    let nest = padded_conv::loop_nest();
    let taps = |l: &&str| l.contains("conv") && l.contains("input(");
    assert!(
        nest.lines()
            .filter(taps)
            .any(|l| !l.contains("select(") && !l.contains("clamp(")),
        "no interior copy:\n{nest}"
    );
    assert!(
        nest.lines().filter(taps).any(|l| l.contains("select(")),
        "no general copy:\n{nest}"
    );
}

/// A Func split with its inner loop reordered outside (`yi1` around the columns): the inner
/// rows run under the split's guard, and the producer's region is empty when the output has
/// no columns (`select(0 < n, 2, 0)`), which made bounds inference ask for row -1 on every
/// call (`Err(InputTooSmall)` for an input exactly as large as the algorithm reads).
#[kernel]
fn split_inner_outside(
    input: ArrayView2<u8>,
    gain: f32,
    out: ArrayViewMut2<u8>,
) -> Result<(), Error> {
    f(y, x) = input(y, x) as f32 * gain;
    out(y, x) = (f(y, x) + f(y + 1, x + 1)).clamp(0.0, 255.0) as u8;
    schedule! {
        f.compute_at(out, y).split(y, y, yi1, 32).reorder(yi1, x, y);
    }
}

#[test]
fn a_guarded_split_reads_only_its_region() {
    for (h, w) in [(1, 1), (1, 5), (3, 3), (5, 7), (40, 2)] {
        let input = pattern_u8(h + 1, w + 1);
        let (mut got, mut want) = (Array2::<u8>::zeros((h, w)), Array2::<u8>::zeros((h, w)));
        split_inner_outside(input.view(), 1.5, got.view_mut()).unwrap();
        split_inner_outside::reference(input.view(), 1.5, want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
}

/// A blur whose producer is computed per strip of a twice split output, stored per outer
/// strip and tiled, fused and parallel inside: each loop's bounds depend on the loops around
/// it, and the bound of the input's rows over all of them grew to 470 000 nodes: 95 s in the
/// macro, and an entry check whose evaluation overflowed the stack. Now a bound that outgrows
/// a budget is loosened on the way.
#[kernel]
fn nested_strips(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    bx(y, x) = input(y, x) + input(y, x + 1) + input(y, x + 2);
    out(y, x) = (bx(y, x) + bx(y + 1, x) + bx(y + 2, x)) / 3;
    schedule! {
        out.split(y, o1, i2, 7, ShiftInwards).split(o1, o3, i4, 8);
        bx.compute_at(out, i4).store_at(out, o3).tile(y, x, yi1, xi2, 3, 8).fuse(yi1, xi2, fu3).parallel(y);
    }
}

#[test]
fn nested_strips_keep_their_bounds_small() {
    for (h, w) in [(1, 1), (7, 3), (8, 5), (9, 8), (57, 17), (130, 9)] {
        let input = pattern_u16(h + 2, w + 2);
        let (mut got, mut want) = (Array2::<u16>::zeros((h, w)), Array2::<u16>::zeros((h, w)));
        nested_strips(input.view(), got.view_mut()).unwrap();
        nested_strips::reference(input.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
    }
    let nest = nested_strips::loop_nest();
    let longest = nest.lines().map(str::len).max().unwrap();
    assert!(longest < 20_000, "a line of {longest} characters");
}

/// Zero padding read across channels: the condition is the same for every lane of a vector,
/// and the generated code keeps the loaded value's bits under a mask instead of branching.
/// -0.0 and NaN payloads pass through exactly; the zero is +0.0, in either arm; f32 and f64.
#[kernel]
fn padded_channels(
    input: ArrayView3<f32>,
    wide: ArrayView3<f64>,
    out: ArrayViewMut3<f32>,
    out64: ArrayViewMut3<f64>,
) -> Result<(), Error> {
    let (h, w) = (input.shape()[0], input.shape()[1]);
    out(y, x, c) = if y >= 1 && x < w - 1 {
        input((y - 1).clamp(0, h - 1), x.clamp(0, w - 1), c)
    } else {
        0.0
    } + if y < h - 1 { 0.0 } else { input(y, x, c) };
    out64(y, x, c) = if x >= 2 {
        wide(y, (x - 2).clamp(0, w - 1), c)
    } else {
        0.0
    };
    schedule! {
        out.split(c, co, ci, 8).reorder(co, y, x, ci).vectorize(ci);
        out64.split(c, co, ci, 4).reorder(co, y, x, ci).vectorize(ci);
    }
}

#[test]
fn uniform_zero_padding_keeps_every_bit() {
    use halite::rt::Isa;
    for (h, w, ch) in [(1, 1, 1), (3, 4, 8), (5, 3, 17), (6, 6, 32)] {
        let specials = [
            f32::NAN,
            -0.0,
            0.0,
            1.5,
            -2.25,
            f32::from_bits(0x7fc0_1234),
            f32::INFINITY,
        ];
        let input =
            Array3::from_shape_fn((h, w, ch), |(y, x, c)| specials[(y * 5 + x * 3 + c) % 7]);
        let wide = input.mapv(|v| v as f64 * 1.25);
        let mut want = Array3::<f32>::zeros((h, w, ch));
        let mut want64 = Array3::<f64>::zeros((h, w, ch));
        padded_channels::reference(
            input.view(),
            wide.view(),
            want.view_mut(),
            want64.view_mut(),
        )
        .unwrap();
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array3::<f32>::from_elem((h, w, ch), 7.0);
            let mut got64 = Array3::<f64>::from_elem((h, w, ch), 7.0);
            halite::rt::isa::with_isa(isa, || {
                padded_channels(input.view(), wide.view(), got.view_mut(), got64.view_mut())
            })
            .unwrap();
            // (Which NaN a sum of two NaNs keeps is not defined, in Rust as in IEEE.)
            let bits =
                |a: &Array3<f32>| a.mapv(|v| if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() });
            assert_eq!(bits(&got), bits(&want), "{isa:?} {h}x{w}x{ch}");
            assert_eq!(
                got64.mapv(f64::to_bits),
                want64.mapv(f64::to_bits),
                "{isa:?} {h}x{w}x{ch}"
            );
        }
    }
}

/// `store_nontemporal()` on outputs of several element types and vector widths: 16-byte
/// groups stream, narrower vectors (`u8` x 8) and misaligned rows store as usual.
#[kernel]
fn streamed(
    input: ArrayView2<f32>,
    bytes: ArrayView2<u8>,
    out: ArrayViewMut2<f32>,
    out8: ArrayViewMut2<u8>,
    out16: ArrayViewMut2<i16>,
    out64: ArrayViewMut2<f64>,
) -> Result<(), Error> {
    out(y, x) = input(y, x) * 2.0 + 1.0;
    out8(y, x) = bytes(y, x) / 3 + 7;
    out16(y, x) = (bytes(y, x) as i16 - 100) * 3;
    out64(y, x) = input(y, x) as f64 * 0.5;
    schedule! {
        out.vectorize(x, 16).parallel(y).store_nontemporal();
        out8.vectorize(x, 8).store_nontemporal();
        out16.split(y, yo, yi, 4).parallel(yo).vectorize(x, 32).store_nontemporal();
        out64.store_nontemporal().vectorize(x, 4);
    }
}

#[test]
fn nontemporal_stores_write_what_reference_writes() {
    use halite::rt::Isa;
    assert!(streamed::loop_nest().contains("non-temporal vector stores to out16"));
    for (h, w) in [(1, 1), (3, 5), (2, 16), (7, 37), (4, 64), (9, 131)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| (y * 31 + x * 7) as f32 * 0.25 - 3.0);
        let bytes = Array2::from_shape_fn((h, w), |(y, x)| (y * 13 + x * 29) as u8);
        let mut want = (
            Array2::<f32>::zeros((h, w)),
            Array2::<u8>::zeros((h, w)),
            Array2::<i16>::zeros((h, w)),
            Array2::<f64>::zeros((h, w)),
        );
        streamed::reference(
            input.view(),
            bytes.view(),
            want.0.view_mut(),
            want.1.view_mut(),
            want.2.view_mut(),
            want.3.view_mut(),
        )
        .unwrap();
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            // Outputs at every alignment: windows of wider arrays starting 0 to 3 elements
            // in, whose other elements must stay as they were.
            for skip in 0..4 {
                let mut got = (
                    Array2::<f32>::from_elem((h, w + 4), -9.0),
                    Array2::<u8>::from_elem((h, w + 4), 99),
                    Array2::<i16>::from_elem((h, w + 4), -9),
                    Array2::<f64>::from_elem((h, w + 4), -9.0),
                );
                let cols = ndarray::s![.., skip..skip + w];
                halite::rt::isa::with_isa(isa, || {
                    streamed(
                        input.view(),
                        bytes.view(),
                        got.0.slice_mut(cols),
                        got.1.slice_mut(cols),
                        got.2.slice_mut(cols),
                        got.3.slice_mut(cols),
                    )
                })
                .unwrap();
                let at = format!("{isa:?} {h}x{w} from column {skip}");
                assert_eq!(got.0.slice(cols), want.0, "{at}");
                assert_eq!(got.1.slice(cols), want.1, "{at}");
                assert_eq!(got.2.slice(cols), want.2, "{at}");
                assert_eq!(got.3.slice(cols), want.3, "{at}");
                let outside = |c: usize| c < skip || c >= skip + w;
                for ((_, c), v) in got.0.indexed_iter() {
                    assert!(!outside(c) || *v == -9.0, "{at}: column {c} written");
                }
                for ((_, c), v) in got.1.indexed_iter() {
                    assert!(!outside(c) || *v == 99, "{at}: column {c} written");
                }
                for ((_, c), v) in got.2.indexed_iter() {
                    assert!(!outside(c) || *v == -9, "{at}: column {c} written");
                }
                for ((_, c), v) in got.3.indexed_iter() {
                    assert!(!outside(c) || *v == -9.0, "{at}: column {c} written");
                }
            }
        }
    }
}

// Kernels written by a `macro_rules!` macro: its `$t:ty` and `$w:literal` fragments reach the
// kernel wrapped in invisible groups, which the signature, casts and schedule see through.
macro_rules! doubled_kernel {
    ($name:ident, $t:ty, $w:literal) => {
        #[kernel]
        fn $name(input: ArrayView1<$t>, out: ArrayViewMut1<$t>) -> Result<(), Error> {
            out(x) = input(x) + (x as $t);
            schedule! {
                out.vectorize(x, $w);
            }
        }
    };
}
doubled_kernel!(doubled_u8, u8, 16);
doubled_kernel!(doubled_f64, f64, 4);

// A boundary condition passed as an `$e:expr` fragment (an invisible group), and one in
// parentheses, still bind a Func.
macro_rules! shifted_kernel {
    ($name:ident, $bc:expr) => {
        #[kernel]
        fn $name(input: ArrayView1<u8>, out: ArrayViewMut1<u8>) -> Result<(), Error> {
            let p = $bc;
            let q = (mirror_image(input));
            out(x) = p(x - 1) / 2 + q(x + 2) / 2;
        }
    };
}
shifted_kernel!(shifted_edge, repeat_edge(input));

#[test]
fn kernels_from_macro_fragments() {
    let a = Array1::from_shape_fn(37, |i| (i * 7) as u8);
    let (mut got, mut want) = (Array1::<u8>::zeros(37), Array1::<u8>::zeros(37));
    doubled_u8(a.view(), got.view_mut()).unwrap();
    doubled_u8::reference(a.view(), want.view_mut()).unwrap();
    assert_eq!(got, want);
    assert_eq!(got[36], (36u8 * 7).wrapping_add(36));
    assert!(doubled_u8::loop_nest().contains("vectorized(x16)"));
    let b = Array1::from_shape_fn(9, |i| i as f64 * 0.5);
    let mut got = Array1::<f64>::zeros(9);
    doubled_f64(b.view(), got.view_mut()).unwrap();
    assert_eq!(got[8], 12.0);
    assert!(doubled_f64::loop_nest().contains("vectorized(x4)"));
    let c = Array1::from_shape_fn(5, |i| (i * 40) as u8);
    let mut got = Array1::<u8>::zeros(5);
    shifted_edge(c.view(), got.view_mut()).unwrap();
    // p(x - 1) repeats the first element; q(x + 2) mirrors past the end (5 -> 4, 6 -> 3).
    let at = |i: i32| c[i.clamp(0, 4) as usize] / 2;
    let mirror = |i: i32| c[if i > 4 { 9 - i } else { i } as usize] / 2;
    let want: Vec<u8> = (0..5).map(|x| at(x - 1) + mirror(x + 2)).collect();
    assert_eq!(got.to_vec(), want);
}

/// Pure variables with the names the schedule gives split loops (`x_vec`, `y_unroll`,
/// `y_chunk`): the generated loops take other names.
#[kernel]
fn taken_names(a: ArrayView3<f32>, out: ArrayViewMut3<f32>) -> Result<(), Error> {
    out(y_chunk, y_unroll, x_vec) = a(y_chunk, y_unroll, x_vec) * 2.0 + x_vec as f32;
    schedule! {
        out.parallel(y_chunk, 2).unroll(y_unroll, 2).vectorize(x_vec, 8);
    }
}

#[kernel]
fn taken_names2(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(x_vec, x) = a(x_vec, x) - x as f32;
    schedule! {
        out.vectorize(x, 8).unroll(x_vec, 2);
    }
}

#[test]
fn split_loops_avoid_the_names_of_pure_variables() {
    for (d, h, w) in [(1, 1, 1), (3, 5, 17), (4, 2, 8)] {
        let a = Array3::from_shape_fn((d, h, w), |(i, j, k)| (i * 100 + j * 10 + k) as f32);
        let (mut got, mut want) = (Array3::zeros((d, h, w)), Array3::zeros((d, h, w)));
        taken_names(a.view(), got.view_mut()).unwrap();
        taken_names::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want);
        let a2 = a.index_axis(ndarray::Axis(0), 0);
        let (mut got, mut want) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        taken_names2(a2, got.view_mut()).unwrap();
        taken_names2::reference(a2, want.view_mut()).unwrap();
        assert_eq!(got, want);
    }
    assert!(taken_names2::loop_nest().contains("vectorized(x8)"));
}

/// An `if` in an index: each arm is bounded under its side of the condition, so a
/// hand-written reflection at the first and last rows reads only rows of the input.
#[kernel]
fn reflect_rows(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let h = a.nrows();
    let up = if y < 1 { 1 - y } else { y - 1 };
    let down = if y + 1 >= h { 2 * h - y - 3 } else { y + 1 };
    out(y, x) = a(up, x) + 2.0 * a(y, x) + a(down, x);
    schedule! {
        out.vectorize(x, 8).parallel(y);
    }
}

#[kernel]
fn select_index(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a(if x > 2 { x - 1 } else { x + 1 });
}

#[test]
fn an_if_in_an_index_reads_only_what_its_arms_select() {
    use halite::rt::Isa;
    let a = Array1::from(vec![0i32, 10, 20, 30, 40]);
    let mut o = Array1::<i32>::zeros(5);
    select_index(a.view(), o.view_mut()).unwrap();
    assert_eq!(o.to_vec(), vec![10, 20, 30, 20, 30]);
    let mut r = Array1::<i32>::zeros(5);
    select_index::reference(a.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    for (h, w) in [(2, 1), (3, 9), (8, 17), (2, 16)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| (y * 10 + x) as f32);
        let want = Array2::from_shape_fn((h, w), |(y, x)| {
            let up = if y == 0 { 1 } else { y - 1 };
            let down = if y + 1 == h { h - 2 } else { y + 1 };
            a[[up, x]] + 2.0 * a[[y, x]] + a[[down, x]]
        });
        for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
            if !isa.supported() {
                continue;
            }
            let mut got = Array2::<f32>::zeros((h, w));
            halite::rt::isa::with_isa(isa, || reflect_rows(a.view(), got.view_mut())).unwrap();
            assert_eq!(got, want, "{isa:?} {h}x{w}");
        }
        let mut r = Array2::<f32>::zeros((h, w));
        reflect_rows::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(r, want);
        // Still checked: an output taller than the input reads past it.
        let mut tall = Array2::<f32>::zeros((h + 1, w));
        assert!(reflect_rows(a.view(), tall.view_mut()).is_err());
    }
}

/// A shift of literals alone takes the type of the Func's other definitions, as other
/// literal-only expressions do (DESIGN.md section 3).
#[kernel]
fn shift_init(c: ArrayView1<i64>, o2: ArrayViewMut1<i64>) -> Result<(), Error> {
    k(x) = 1 << 40;
    k(x) += c(x);
    o2(x) = k(x) | (3 & 6);
}

#[test]
fn literal_shifts_take_the_type_of_the_other_definitions() {
    let c = Array1::from(vec![-1i64, 5]);
    let mut o = Array1::<i64>::zeros(2);
    shift_init(c.view(), o.view_mut()).unwrap();
    assert_eq!(
        o.to_vec(),
        vec![((1i64 << 40) - 1) | 2, ((1i64 << 40) + 5) | 2]
    );
    let mut r = Array1::<i64>::zeros(2);
    shift_init::reference(c.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
}

/// A `let` may shadow an earlier one and use it, as in Rust.
#[kernel]
fn shadowed(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let v = a(y, x);
    let v = v.clamp(0.0, 1.0);
    let v = v * 2.0 + 1.0;
    out(y, x) = v + a(y, x);
    schedule! {
        out.vectorize(x, 8);
    }
}

#[test]
fn lets_shadow_as_in_rust() {
    let a = Array2::from_shape_fn((3, 11), |(y, x)| (y as f32 - 1.0) * 0.7 + x as f32 * 0.05);
    let mut got = Array2::<f32>::zeros((3, 11));
    shadowed(a.view(), got.view_mut()).unwrap();
    let want = a.mapv(|v| v.clamp(0.0, 1.0) * 2.0 + 1.0 + v);
    assert_eq!(got, want);
    let mut r = Array2::<f32>::zeros((3, 11));
    shadowed::reference(a.view(), r.view_mut()).unwrap();
    assert_eq!(r, want);
}

/// Float `clamp` keeps NaN, as Rust's does (it had given the lower bound); bools compare as
/// Rust orders them (`false < true`); a remainder by `i64::MIN` compiles and wraps. Checked
/// against plain Rust, unscheduled and vectorized, on every instruction set.
#[kernel]
fn rust_corners(
    a: ArrayView1<f32>,
    p: ArrayView1<bool>,
    q: ArrayView1<bool>,
    n: ArrayView1<i64>,
    c: ArrayViewMut1<f32>,
    lt: ArrayViewMut1<bool>,
    ge: ArrayViewMut1<bool>,
    r: ArrayViewMut1<i64>,
) -> Result<(), Error> {
    c(i) = a(i).clamp(-1.0, 2.0) + a(i).clamp(0.0, f32::INFINITY);
    lt(i) = p(i) < q(i);
    ge(i) = p(i) >= q(i);
    r(i) = n(i) % i64::MIN + n(i).rem_euclid(i64::MIN);
    schedule! {
        c.vectorize(i, 16);
        lt.vectorize(i, 8);
        r.vectorize(i, 4);
    }
}

#[test]
fn clamp_keeps_nan_and_bools_compare_as_in_rust() {
    use halite::rt::Isa;
    let vals = [
        f32::NAN,
        -3.0,
        -0.0,
        0.5,
        2.0,
        7.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    let a = Array1::from_iter((0..37).map(|k| vals[k % vals.len()]));
    let p = Array1::from_iter((0..37).map(|k| k % 2 == 0));
    let q = Array1::from_iter((0..37).map(|k| k % 3 == 0));
    let n = Array1::from_iter((0..37).map(|k| match k % 4 {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => -5,
        _ => k as i64 * 1_000_000_007,
    }));
    let want_c: Vec<f32> = a
        .iter()
        .map(|&v| v.clamp(-1.0, 2.0) + v.clamp(0.0, f32::INFINITY))
        .collect();
    let want_lt: Vec<bool> = p.iter().zip(&q).map(|(x, y)| x < y).collect();
    let want_ge: Vec<bool> = p.iter().zip(&q).map(|(x, y)| x >= y).collect();
    let want_r: Vec<i64> = n
        .iter()
        .map(|&v| {
            v.wrapping_rem(i64::MIN)
                .wrapping_add(v.wrapping_rem_euclid(i64::MIN))
        })
        .collect();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    type Outs<'a> = (
        ArrayViewMut1<'a, f32>,
        ArrayViewMut1<'a, bool>,
        ArrayViewMut1<'a, bool>,
        ArrayViewMut1<'a, i64>,
    );
    let run = |f: &dyn Fn(Outs<'_>) -> Result<(), Error>| {
        let (mut c, mut lt, mut ge, mut r) = (
            Array1::<f32>::zeros(37),
            Array1::from_elem(37, false),
            Array1::from_elem(37, false),
            Array1::<i64>::zeros(37),
        );
        f((c.view_mut(), lt.view_mut(), ge.view_mut(), r.view_mut())).unwrap();
        assert_eq!(bits(c.as_slice().unwrap()), bits(&want_c));
        assert_eq!(lt.to_vec(), want_lt);
        assert_eq!(ge.to_vec(), want_ge);
        assert_eq!(r.to_vec(), want_r);
    };
    run(&|(c, lt, ge, r)| {
        rust_corners::reference(a.view(), p.view(), q.view(), n.view(), c, lt, ge, r)
    });
    for isa in [Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar] {
        if !isa.supported() {
            continue;
        }
        run(&|(c, lt, ge, r)| {
            halite::rt::isa::with_isa(isa, || {
                rust_corners(a.view(), p.view(), q.view(), n.view(), c, lt, ge, r)
            })
        });
    }
}

/// A float `clamp` bounds an index as the generated code computes it: with `lo > hi` every
/// value is `hi` (the entry check once took the empty range `[5, 3]` and passed a table too
/// short for index 3).
#[kernel]
fn inverted_clamp_index(
    a: ArrayView1<f32>,
    table: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    out(i) = table(a(i).clamp(5.0, 3.0) as i32) + table(a(i).clamp(0.0, 2.0) as i32);
    schedule! {
        out.vectorize(i, 8);
    }
}

#[test]
fn inverted_float_clamps_bound_their_indices() {
    let a = Array1::from_iter([f32::NAN, -4.0, 0.5, 2.5, 9.0, 1.0, -0.0, 7.0, 3.0]);
    let table = Array1::from_iter([10, 20, 30, 40]);
    let want: Vec<i32> = a
        .iter()
        .map(|&v| {
            let first = if v < 5.0 { 5.0 } else { v };
            let first = if first > 3.0 { 3.0 } else { first };
            table[first as usize] + table[v.clamp(0.0, 2.0) as usize]
        })
        .collect();
    let mut out = Array1::zeros(9);
    inverted_clamp_index(a.view(), table.view(), out.view_mut()).unwrap();
    assert_eq!(out.to_vec(), want);
    let short = Array1::from_iter([10, 20, 30]);
    let mut out = Array1::from_elem(9, -1);
    let e = inverted_clamp_index(a.view(), short.view(), out.view_mut()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InputTooSmall {
                buffer: "table",
                needed: (0, 3),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(out.iter().all(|&v| v == -1));
}

// ---------------------------------------------------------------------------------------------
// Index bounds through `/` and `%` by run-time values, sign-changing casts and fused loops:
// each kernel's reads lie inside its inputs, so each call must succeed (the entry check is
// against the region actually read, not a looser one).

/// The book's "fuse, then split into chunks", with a producer computed per chunk.
#[kernel]
fn fused_chunks(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    f0(y, x) = input(y, x) * 3;
    out(y, x) = f0(y, x) + 1;
    schedule! {
        out.fuse(y, x, yx).split(yx, chunk, i, 16).parallel(chunk);
        f0.compute_at(out, chunk);
    }
}

/// `x % n`: the sign of `x`, whatever `n` is.
#[kernel]
fn modulo_param(input: ArrayView1<i32>, n: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = input(x % n);
}

/// `x / n.max(1)` with the producer computed per tile of `x`.
#[kernel]
fn divide_param(input: ArrayView2<i32>, n: i32, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    f(y, x) = input(y, x) + 1;
    out(y, x) = f(y, x / n.max(1)) + f(y, x.div_euclid(n.max(1)));
    schedule! {
        out.split(x, xo, xi, 4);
        f.compute_at(out, xo);
    }
}

/// A scatter into bins of a clamped width, as DESIGN section 2 suggests.
#[kernel]
fn bins_of_width(input: ArrayView2<u8>, n: i32, hist: ArrayViewMut2<i32>) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    hist(y, b) = 0;
    hist(y, (input(y, r) as i32) / n.clamp(26, 1000)) += 1;
}

/// `as u32` of a negative value wraps, as in Rust.
#[kernel]
fn wrapped_index(input: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = input(((x - 5) as u32 % 7) as i32);
}

/// Through a float `abs`.
#[kernel]
fn mirrored(input: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = input(((x - 3) as f32).abs() as i32);
}

/// A specialization that pins an extent to 0 makes its loop's extent a constant too.
#[kernel]
fn pinned_to_zero(input: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = input(y, x) * 2;
    schedule! {
        out.specialize(out.nrows() == 0).unroll(y);
    }
}

#[test]
fn indices_through_division_remainder_and_sign_casts_are_bounded_tightly() {
    let a = Array1::from_shape_fn(4, |i| i as i32 * 10);
    let mut got = Array1::zeros(7);
    mirrored(a.view(), got.view_mut()).unwrap();
    assert_eq!(got.to_vec(), vec![30, 20, 10, 0, 10, 20, 30]);
    for h in [0, 3] {
        let input = Array2::from_shape_fn((h, 5), |(y, x)| (y * 5 + x) as i32);
        let mut got = Array2::zeros((h, 5));
        pinned_to_zero(input.view(), got.view_mut()).unwrap();
        assert_eq!(got, input.mapv(|v| v * 2));
    }
    for (h, w) in [(1, 1), (2, 3), (5, 17), (16, 16), (7, 33)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| (y * 100 + x) as i32);
        let mut out = Array2::zeros((h, w));
        fused_chunks(input.view(), out.view_mut()).unwrap();
        assert_eq!(out, input.mapv(|v| v * 3 + 1), "{h}x{w}");
    }
    let a = Array1::from_shape_fn(5, |i| i as i32 * 10);
    for n in [5, -5, 0, 3] {
        let (mut got, mut want) = (Array1::zeros(9), Array1::zeros(9));
        modulo_param(a.view(), n, got.view_mut()).unwrap();
        modulo_param::reference(a.view(), n, want.view_mut()).unwrap();
        let by_hand: Vec<i32> = (0..9i32)
            .map(|x| a[x.checked_rem(n).unwrap_or(0) as usize])
            .collect();
        assert_eq!(
            (got.to_vec(), want.to_vec()),
            (by_hand.clone(), by_hand),
            "n = {n}"
        );
    }
    for n in [1, 2, 3, 8, 0, -4] {
        let w: usize = 13;
        let d = n.max(1) as usize;
        let input = Array2::from_shape_fn((3, w.div_ceil(d)), |(y, x)| (y * 50 + x) as i32);
        let mut got = Array2::zeros((3, w));
        divide_param(input.view(), n, got.view_mut()).unwrap();
        let want = Array2::from_shape_fn((3, w), |(y, x)| 2 * (input[[y, x / d]] + 1));
        assert_eq!(got, want, "n = {n}");
    }
    let img = Array2::from_shape_fn((3, 40), |(y, x)| ((y * 91 + x * 37) % 256) as u8);
    for n in [26, 30, 1000, 5] {
        let mut got = Array2::zeros((3, 10));
        bins_of_width(img.view(), n, got.view_mut()).unwrap();
        let d = n.clamp(26, 1000) as usize;
        let mut want = Array2::<i32>::zeros((3, 10));
        for ((y, _), &v) in img.indexed_iter() {
            want[[y, v as usize / d]] += 1;
        }
        assert_eq!(got, want, "n = {n}");
    }
    let a = Array1::from_shape_fn(8, |i| i as i32 * 10);
    let mut got = Array1::zeros(8);
    wrapped_index(a.view(), got.view_mut()).unwrap();
    let want: Vec<i32> = (0..8i32)
        .map(|x| a[((x - 5) as u32 % 7) as usize])
        .collect();
    assert_eq!(got.to_vec(), want);
}

/// `len()` of a 2-D view counts its elements.
#[kernel]
fn count_plus(a: ArrayView2<u8>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(i) = a.len() + i;
}

#[test]
fn len_that_does_not_fit_an_i32_is_an_error() {
    let a = Array2::from_elem((3, 5), 1u8);
    let mut out = Array1::zeros(3);
    count_plus(a.view(), out.view_mut()).unwrap();
    assert_eq!(out.to_vec(), vec![15, 16, 17]);
    // Each extent fits an i32, their product does not: an error, from the kernel and from
    // `reference` (which also must not try to copy 2.5e9 elements).
    let one = Array2::from_elem((1, 1), 5u8);
    let big = one.broadcast((50_000, 50_000)).unwrap();
    let mut out = Array1::from_elem(3, 7);
    let e = count_plus(big.view(), out.view_mut()).unwrap_err();
    assert!(matches!(e, Error::LenTooLarge { buffer: "a", .. }), "{e}");
    assert_eq!(
        count_plus::reference(big.view(), out.view_mut()).unwrap_err(),
        e
    );
    assert_eq!(out.to_vec(), vec![7, 7, 7]);
}

/// Variable and loop names that are also the names of generated per-buffer values (a
/// buffer's pointer `ptr`, its strides `s0`, `s1`, its allocation `alloc`).
#[kernel]
fn names_of_generated_values(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    f(ptr, s1) = a(ptr, s1) * 2;
    out(s0, s1) = f(s0, s1) + f(s0, (s1 + 1).min(out.ncols() - 1));
    schedule! {
        out.split(s1, alloc, len, 4).vectorize(len, 4);
        f.compute_at(out, alloc);
    }
}

/// An `rfactor`ed variable named as a generated value.
#[kernel]
fn factored_into_ptr(a: ArrayView2<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let r = rdom(0..a.ncols());
    out(s0) = 0;
    out(s0) += a(s0, r);
    schedule! {
        out.update(0).split(r, ro, ri, 8);
        let s1 = out.update(0).rfactor(ri, ptr);
        s1.compute_at(out, s0).vectorize(ptr, 8);
        s1.update(0).reorder(ro, ptr).vectorize(ptr, 8);
    }
}

#[test]
fn names_of_generated_values_are_free_for_users() {
    for (h, w) in [(1, 1), (3, 9), (5, 17)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| (y * 7 + x * 3) as i32 - 4);
        let (mut got, mut want) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        names_of_generated_values(a.view(), got.view_mut()).unwrap();
        names_of_generated_values::reference(a.view(), want.view_mut()).unwrap();
        assert_eq!(got, want, "{h}x{w}");
        assert_eq!(got[[0, 0]], 2 * a[[0, 0]] + 2 * a[[0, (1).min(w - 1)]]);
        let (mut s, mut rs) = (Array1::zeros(h), Array1::zeros(h));
        factored_into_ptr(a.view(), s.view_mut()).unwrap();
        factored_into_ptr::reference(a.view(), rs.view_mut()).unwrap();
        assert_eq!(s, rs, "{h}x{w}");
        assert_eq!(s, a.sum_axis(Axis(1)));
    }
}

/// Reads at a point fixed for the whole call (`a(0)`), as a predicate's bound and as an
/// index: bounded by the values read (they were "halite internal error: a bound reads `a`").
#[kernel]
fn first_terms(
    a: ArrayView1<i32>,
    b: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..b.len());
    r.where_(r < a(0));
    out(i) = sum(b(r)) + i;
}

#[kernel]
fn fixed_lookups(
    a: ArrayView1<u8>,
    lut: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    out(i) = lut(a(0) as i32) + lut(a(1).clamp(0, 9) as i32) + i;
}

/// `i.rem_euclid(k)` of a non-negative `i` is at most `i`: a short output reads a short input
/// whatever `k` is.
#[kernel]
fn cyclic(a: ArrayView1<i32>, k: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(i) = a(i.rem_euclid(k));
}

#[test]
fn reads_at_fixed_points_and_euclidean_remainders_are_bounded() {
    let b = Array1::from_shape_fn(10, |k| k as i32 * 10);
    for first in [-2, 0, 3, 10, 50] {
        let a = Array1::from_vec(vec![first, 5]);
        let (mut o, mut r) = (Array1::zeros(4), Array1::zeros(4));
        first_terms(a.view(), b.view(), o.view_mut()).unwrap();
        first_terms::reference(a.view(), b.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "a(0) = {first}");
        let want: i32 = b.iter().take(first.clamp(0, 10) as usize).sum();
        assert_eq!(o[1], want + 1);
    }
    let lut = Array1::from_shape_fn(256, |k| k as i32 * 3);
    let a = Array1::from_vec(vec![7u8, 200]);
    let (mut o, mut r) = (Array1::zeros(3), Array1::zeros(3));
    fixed_lookups(a.view(), lut.view(), o.view_mut()).unwrap();
    fixed_lookups::reference(a.view(), lut.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o.to_vec(), vec![48, 49, 50]);
    // A table shorter than the values' range: an error before anything is written.
    let short = Array1::from_elem(100, 1);
    let mut o = Array1::from_elem(3, -1);
    assert!(fixed_lookups(a.view(), short.view(), o.view_mut()).is_err());
    assert_eq!(o.to_vec(), vec![-1, -1, -1]);
    let a = Array1::from_vec(vec![10, 20]);
    for k in [-5, 0, 1, 2, 5, 1000] {
        let (mut o, mut r) = (Array1::zeros(2), Array1::zeros(2));
        cyclic(a.view(), k, o.view_mut()).unwrap();
        cyclic::reference(a.view(), k, r.view_mut()).unwrap();
        assert_eq!(o, r, "k = {k}");
    }
}

/// Index arithmetic that wraps only at the type's limits, which the entry checks once missed
/// (each read out of bounds and returned `Ok`): a division by -1 (`i8::MIN / -1 == i8::MIN`),
/// a divisor that is negative although cast from an unsigned value, an `if` whose condition
/// was moved across a constant in `i32`, and a Func whose region is `2^31` long.
#[kernel]
fn negated_i8(
    a: ArrayView1<i32>,
    lut: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    out(x) = lut(((a(x) as i8).min(0) / -1) as i32);
}

#[kernel]
fn over_unsigned(a: ArrayView1<i32>, u: u32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a(x / (u as i32));
}

#[kernel]
fn shifted_condition(a: ArrayView1<i32>, n: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a(if x - 5 < n { x + 100 } else { 0 });
}

#[kernel]
fn long_region(a: ArrayView1<f32>, k: i32, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    g(x) = a(0) + x as f32;
    out(x) = g(x * k);
    schedule! { g.compute_root(); }
}

/// Predicates on the read values keep bounding the read they guard.
#[kernel]
fn filtered_lookup(
    a: ArrayView1<i32>,
    lut: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.len());
    r.where_(a(r) >= 0 && a(r) < 5);
    out(x) = sum(lut(a(r))) + x;
}

#[test]
fn indices_that_wrap_at_the_type_limits_are_checked() {
    let lut = Array1::from_shape_fn(129, |k| k as i32);
    let mut out = Array1::from_elem(1, 7);
    let a = Array1::from_vec(vec![-128]);
    assert!(negated_i8(a.view(), lut.view(), out.view_mut()).is_err());
    assert!(negated_i8::reference(a.view(), lut.view(), out.view_mut()).is_err());
    assert_eq!(out[0], 7);
    let a = Array1::from_vec(vec![5]);
    let mut out = Array1::from_elem(3, 7);
    assert!(over_unsigned(a.view(), u32::MAX, out.view_mut()).is_err());
    assert!(shifted_condition(a.view(), i32::MAX - 2, out.view_mut()).is_err());
    assert_eq!(out.to_vec(), vec![7, 7, 7]);
    // Where they hold, the same kernels agree with `reference`.
    let a = Array1::from_shape_fn(200, |k| k as i32);
    for (u, n) in [(1u32, 0), (2, -10), (7, 50)] {
        let (mut o, mut r) = (Array1::zeros(3), Array1::zeros(3));
        over_unsigned(a.view(), u, o.view_mut()).unwrap();
        over_unsigned::reference(a.view(), u, r.view_mut()).unwrap();
        assert_eq!(o, r);
        shifted_condition(a.view(), n, o.view_mut()).unwrap();
        shifted_condition::reference(a.view(), n, r.view_mut()).unwrap();
        assert_eq!(o, r);
    }
    let one = Array1::from_elem(1, 1.0f32);
    let mut out = Array1::from_elem(2, 7.0f32);
    assert!(matches!(
        long_region(one.view(), i32::MAX, out.view_mut()),
        Err(Error::IndexOverflow { .. })
    ));
    assert_eq!(out.to_vec(), vec![7.0, 7.0]);
    let a = Array1::from_vec(vec![1, 100000, 3, -4, i32::MAX - 2]);
    let lut = Array1::from_shape_fn(5, |k| 10 * k as i32);
    let (mut o, mut r) = (Array1::zeros(2), Array1::zeros(2));
    filtered_lookup(a.view(), lut.view(), o.view_mut()).unwrap();
    filtered_lookup::reference(a.view(), lut.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o.to_vec(), vec![40, 41]);
}

/// `&&` as in Rust: a read in a later term of a predicate happens only where the earlier
/// terms hold, in the kernel and in `reference` (which had read `lut` at every point).
#[kernel]
fn lookup_where_in_range(
    a: ArrayView1<i32>,
    lut: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.len());
    r.where_(a(r) >= 0 && a(r) < 5 && lut(a(r)) > 0);
    out(x) = sum(a(r)) + x;
}

#[test]
fn later_terms_of_a_condition_read_only_where_the_earlier_hold() {
    let a = Array1::from_vec(vec![1, 100000, 3, -4, 1 << 29, 0]);
    let lut = Array1::from_vec(vec![0, 1, 1, 0, 1]);
    let (mut o, mut r) = (Array1::zeros(2), Array1::zeros(2));
    lookup_where_in_range(a.view(), lut.view(), o.view_mut()).unwrap();
    lookup_where_in_range::reference(a.view(), lut.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o.to_vec(), vec![1, 2]);
}

/// A `min` of values of a narrow unsigned type was pruned by the sign of their difference
/// computed in that type (`(x as u8) - 5` never looks negative): the checked region of
/// `a(((x as u8).min(5) - 3) as i32)` was the one point 2, and `x = 0` read `a[253]`.
#[kernel]
fn capped_u8(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a(((x as u8).min(5) - 3) as i32);
}

#[kernel]
fn capped_u16(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a((((x as u16).max(2).min(6)) - 4) as i32);
}

/// A split's outer loop runs `(n + 63) / 64` times, which wraps for `n` near `i32::MAX`.
#[kernel]
fn split_fill(out: ArrayViewMut1<u8>) -> Result<(), Error> {
    out(x) = 5u8;
    schedule! { out.split(x, xo, xi, 64); }
}

#[test]
fn narrow_unsigned_caps_and_huge_loops_are_checked() {
    let small = Array1::from_shape_fn(4, |k| k as i32);
    let mut out = Array1::from_elem(6, -1);
    assert!(capped_u8(small.view(), out.view_mut()).is_err());
    assert!(capped_u16(small.view(), out.view_mut()).is_err());
    assert_eq!(out.to_vec(), vec![-1; 6]);
    let a = Array1::from_shape_fn(65536, |k| k as i32);
    let (mut o, mut r) = (Array1::zeros(8), Array1::zeros(8));
    capped_u8(a.view(), o.view_mut()).unwrap();
    capped_u8::reference(a.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o[0], 253);
    capped_u16(a.view(), o.view_mut()).unwrap();
    capped_u16::reference(a.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o[0], 65534);
    // Zeroed lazily: the kernel must refuse before touching it.
    let mut big = vec![0u8; (i32::MAX - 10) as usize];
    let e = split_fill(ArrayViewMut1::from(&mut big[..])).unwrap_err();
    assert!(matches!(e, Error::IndexOverflow { .. }), "{e}");
    let mut few = Array1::zeros(130);
    split_fill(few.view_mut()).unwrap();
    assert!(few.iter().all(|&v| v == 5));
}

/// An intermediate computed at root that reads an output was computed before every output,
/// so it read what the caller had left in the output (`o` was all 200).
#[kernel]
fn root_reads_output(
    a: ArrayView1<i32>,
    f: ArrayViewMut1<i32>,
    o: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    f(i) = a(i) + 1;
    g(i) = f(i) * 2;
    o(i) = g(i);
    schedule! { g.compute_root(); }
}

/// The same through an update of the root intermediate, over the output's whole length.
#[kernel]
fn root_update_reads_output(
    a: ArrayView1<i32>,
    f: ArrayViewMut1<i32>,
    o: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..a.len());
    f(i) = a(i) + 1;
    g(i) = 0;
    g(i) += f(r) * i;
    h(i) = g(i) - 1;
    o(i) = h(i) + g(i);
    schedule! { g.compute_root(); h.compute_root(); }
}

/// `u64` values have no bounds in `i64`, but their remainder by a constant does.
#[kernel]
fn offset_by_u64_remainder(
    a: ArrayView1<i32>,
    n: u64,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    out(x) = a(((n % 4) as i32) + x);
}

#[test]
fn intermediates_that_read_outputs_are_computed_after_them() {
    type K = fn(ArrayView1<i32>, ArrayViewMut1<i32>, ArrayViewMut1<i32>) -> Result<(), Error>;
    let a = Array1::from_shape_fn(5, |i| i as i32 * 10);
    for (kernel, reference) in [
        (root_reads_output as K, root_reads_output::reference as K),
        (
            root_update_reads_output,
            root_update_reads_output::reference,
        ),
    ] {
        let (mut f, mut o) = (Array1::from_elem(5, 100), Array1::from_elem(4, 100));
        let (mut wf, mut wo) = (Array1::from_elem(5, 100), Array1::from_elem(4, 100));
        kernel(a.view(), f.view_mut(), o.view_mut()).unwrap();
        reference(a.view(), wf.view_mut(), wo.view_mut()).unwrap();
        assert_eq!((&f, &o), (&wf, &wo));
    }
    let (mut f, mut o) = (Array1::zeros(5), Array1::zeros(4));
    root_reads_output(a.view(), f.view_mut(), o.view_mut()).unwrap();
    assert_eq!(o.to_vec(), vec![2, 22, 42, 62]);
    let a = Array1::from_shape_fn(8, |i| i as i32);
    let mut out = Array1::zeros(5);
    offset_by_u64_remainder(a.view(), u64::MAX, out.view_mut()).unwrap();
    assert_eq!(out.to_vec(), vec![3, 4, 5, 6, 7]);
}

/// The book's hand-written reflection, an `if` in an index: each arm is bounded on its side
/// of the condition, also where a split, a tile, an unroll or a parallel chunk makes the
/// variable `yo * 4 + yi` (it was an `Err` asking for rows -4..4 of 6).
#[kernel]
fn reflect_split(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(if y < 1 { 1 - y } else { y - 1 }, x);
    schedule! { out.split(y, yo, yi, 4); }
}

#[kernel]
fn reflect_parallel(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(if y < 1 { 1 - y } else { y - 1 }, x);
    schedule! { out.parallel(y, 2).unroll(x, 3); }
}

#[kernel]
fn edge_tile(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, if x + 1 < a.ncols() { x + 1 } else { x });
    schedule! { out.tile(y, x, yi, xi, 2, 8); }
}

/// `k as i32` of an `i64` wraps; an index through it is checked for `k` that fits.
#[kernel]
fn narrowed_offset(a: ArrayView1<i32>, k: i64, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    out(x) = a(x + (k as i32));
}

#[test]
fn selects_in_indices_are_bounded_per_arm_under_any_schedule() {
    type K = fn(ArrayView2<i32>, ArrayViewMut2<i32>) -> Result<(), Error>;
    for (kernel, reference) in [
        (reflect_split as K, reflect_split::reference as K),
        (reflect_parallel, reflect_parallel::reference),
        (edge_tile, edge_tile::reference),
    ] {
        for (h, w) in [(6, 5), (1, 1), (2, 9), (13, 17)] {
            // (Row 0 reflects to row 1: one more input row than output rows.)
            let a = Array2::from_shape_fn((h + 1, w), |(y, x)| (y * 100 + x) as i32);
            let (mut o, mut r) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
            kernel(a.view(), o.view_mut()).unwrap();
            reference(a.view(), r.view_mut()).unwrap();
            assert_eq!(o, r, "{h}x{w}");
        }
    }
    let a = Array1::from_shape_fn(20, |i| i as i32);
    let (mut o, mut r) = (Array1::zeros(4), Array1::zeros(4));
    narrowed_offset(a.view(), 3, o.view_mut()).unwrap();
    narrowed_offset::reference(a.view(), 3, r.view_mut()).unwrap();
    assert_eq!(
        (o.to_vec(), r.to_vec()),
        (vec![3, 4, 5, 6], vec![3, 4, 5, 6])
    );
    // `(1 << 32) + 1` wraps to 1: not checked as an offset of 2^32 (an `InputTooSmall`),
    // refused because it does not fit (`reference` wraps it).
    let e = narrowed_offset(a.view(), (1 << 32) + 1, o.view_mut()).unwrap_err();
    assert!(matches!(e, Error::IndexOverflow { .. }), "{e}");
}

/// A later directive of the same kind overrides an earlier one (reference.md).
#[kernel]
fn repeated_directives(a: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    out(y, x) = a(y, x) * 3;
    schedule! {
        out.split(x, xo, xi, 8).parallel(y).parallel(y).vectorize(xi).vectorize(xi);
    }
}

#[test]
fn a_repeated_directive_overrides_the_earlier_one() {
    assert!(repeated_directives::loop_nest().contains("parallel for out.y"));
    for (h, w) in [(3, 37), (1, 1), (0, 4)] {
        let a = Array2::from_shape_fn((h, w), |(y, x)| (y * 7 + x) as i32);
        let (mut o, mut r) = (Array2::zeros((h, w)), Array2::zeros((h, w)));
        repeated_directives(a.view(), o.view_mut()).unwrap();
        repeated_directives::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r);
    }
}

/// Index arithmetic on values read from memory wraps in `i32`, as in Rust and `reference`
/// (`46341 * 46341` wraps to -2147479015, `% 40` gives -15): the kernel had computed it in
/// `isize` and read `lut[21]` where `lut[5]` was right.
#[kernel]
fn hashed_lookup(
    lut: ArrayView1<i32>,
    d: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    out(x) = lut(((d(x) * d(x)) % 40 + 20).clamp(0, 59));
}

#[kernel]
fn hashed_lookup_vectors(
    lut: ArrayView1<i32>,
    d: ArrayView1<i32>,
    out: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let h = d(x) * 1103515245 + 12345;
    out(x) = lut(h.rem_euclid(60));
    schedule! { out.vectorize(x, 8); }
}

#[test]
fn index_arithmetic_on_loaded_values_wraps_as_in_rust() {
    let lut = Array1::from_iter(0..60);
    let d = Array1::from(vec![46341, 3, 46341, -46341, 7, 1 << 30, -5, 123456789, 99]);
    let (mut o, mut r) = (Array1::zeros(9), Array1::zeros(9));
    hashed_lookup(lut.view(), d.view(), o.view_mut()).unwrap();
    hashed_lookup::reference(lut.view(), d.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    assert_eq!(o[0], 5);
    hashed_lookup_vectors(lut.view(), d.view(), o.view_mut()).unwrap();
    hashed_lookup_vectors::reference(lut.view(), d.view(), r.view_mut()).unwrap();
    assert_eq!(o, r);
    let want: Vec<i32> = d
        .iter()
        .map(|&v| {
            v.wrapping_mul(1103515245)
                .wrapping_add(12345)
                .rem_euclid(60)
        })
        .collect();
    assert_eq!(o.to_vec(), want);
}

/// A reflection read through an inlined Func at a clamped index: the condition compares the
/// clamped index itself, not a variable (it asked for elements -7..7 of 10).
#[kernel]
fn reflect_inlined(a: ArrayView1<i32>, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    f(x) = a(if x < 1 { 1 - x } else { x - 1 });
    out(x) = f((x + 1).min(out.len() - 1));
}

#[test]
fn conditions_on_inlined_indices_bound_their_arms() {
    for n in [1usize, 2, 3, 9, 20] {
        let a = Array1::from_shape_fn(n + 1, |i| i as i32 * 10);
        let (mut o, mut r) = (Array1::zeros(n), Array1::zeros(n));
        reflect_inlined(a.view(), o.view_mut()).unwrap();
        reflect_inlined::reference(a.view(), r.view_mut()).unwrap();
        assert_eq!(o, r, "{n}");
    }
}

/// Index arithmetic of scalars alone is computed as mathematical integers: where it would
/// wrap in `i32` (`46341 * 46341`), the kernel returns `IndexOverflow` instead of indexing by
/// a value other than `reference`'s (which wraps, as Rust does).
#[kernel]
fn squared_offset(a: ArrayView1<i32>, k: i32, out: ArrayViewMut1<i32>) -> Result<(), Error> {
    let off = (k * k) % 40;
    out(x) = a(x + 20 + off);
}

#[test]
fn scalar_index_arithmetic_that_would_wrap_is_refused() {
    let a = Array1::from_shape_fn(100, |i| i as i32);
    let (mut o, mut r) = (Array1::zeros(4), Array1::zeros(4));
    squared_offset(a.view(), 7, o.view_mut()).unwrap();
    squared_offset::reference(a.view(), 7, r.view_mut()).unwrap();
    assert_eq!(
        (o.to_vec(), r.to_vec()),
        (vec![29, 30, 31, 32], vec![29, 30, 31, 32])
    );
    let mut o = Array1::from_elem(4, -1);
    let e = squared_offset(a.view(), 46341, o.view_mut()).unwrap_err();
    assert!(matches!(e, Error::IndexOverflow { .. }), "{e}");
    assert_eq!(o.to_vec(), vec![-1; 4]);
}
