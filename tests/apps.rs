//! Halide's applications ported to halite: each against its `reference` and against the
//! output of Halide 21 itself (golden files written by `scripts/halide_*.py --golden`).

use halite::prelude::*;

#[path = "../examples/unsharp.rs"]
#[allow(dead_code)]
mod unsharp_app;

fn read_bytes(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_f32(path: &str) -> Vec<f32> {
    read_bytes(path)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[test]
fn unsharp_matches_halide_and_its_reference() {
    let (h, w) = (37, 29);
    let input = unsharp_app::image(h, w);
    let golden_in = read_f32("tests/golden/unsharp_input_3x37x29_f32.bin");
    assert!(
        input.as_slice().unwrap() == &golden_in[..],
        "the synthetic image differs from the script's"
    );
    let halide = Array3::from_shape_vec(
        (3, h, w),
        read_f32("tests/golden/unsharp_halide_3x37x29_f32.bin"),
    )
    .unwrap();
    let mut out = Array3::<f32>::zeros((3, h, w));
    unsharp_app::unsharp(input.view(), out.view_mut()).unwrap();
    let mut r = Array3::<f32>::zeros((3, h, w));
    unsharp_app::unsharp::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out, r, "the schedule does not change the result");
    // Halide's `exp` (for the Gaussian's weights) and its float folding differ from halite's
    // in the last bits.
    for (a, b) in out.iter().zip(&halide) {
        assert!(
            (a - b).abs() <= 2e-5 * b.abs().max(1.0),
            "{a} vs Halide's {b}"
        );
    }
    // Other shapes, and layouts, still equal the reference.
    for (h, w) in [(1, 1), (5, 40), (70, 9)] {
        let input = unsharp_app::image(h, w);
        let (mut a, mut b) = (
            Array3::<f32>::zeros((3, h, w)),
            Array3::<f32>::zeros((3, h, w)),
        );
        unsharp_app::unsharp(input.view(), a.view_mut()).unwrap();
        unsharp_app::unsharp::reference(input.view(), b.view_mut()).unwrap();
        assert_eq!(a, b, "{h}x{w}");
    }
}

#[path = "../examples/harris.rs"]
#[allow(dead_code)]
mod harris_app;

#[test]
fn harris_matches_halide_and_its_reference() {
    let (h, w) = (40, 31);
    let input = harris_app::image(h, w);
    let golden_in = read_f32("tests/golden/harris_input_3x40x31_f32.bin");
    assert!(
        input.as_slice().unwrap() == &golden_in[..],
        "the synthetic image differs from the script's"
    );
    let halide = Array2::from_shape_vec(
        (h - 6, w - 6),
        read_f32("tests/golden/harris_halide_34x25_f32.bin"),
    )
    .unwrap();
    let mut out = Array2::<f32>::zeros((h - 6, w - 6));
    harris_app::harris(input.view(), out.view_mut()).unwrap();
    let mut r = Array2::<f32>::zeros((h - 6, w - 6));
    harris_app::harris::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out, r, "the schedule does not change the result");
    // Same algorithm, same float operations in the same order: equal up to constant folding.
    let scale = halide.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (a, b) in out.iter().zip(&halide) {
        assert!((a - b).abs() <= 1e-5 * scale, "{a} vs Halide's {b}");
    }
    // Output row y reads input rows y..=y + 4: 40 rows of input allow 36 rows of output.
    let mut fits = Array2::<f32>::zeros((h - 4, w - 6));
    assert!(harris_app::harris(input.view(), fits.view_mut()).is_ok());
    let mut big = Array2::<f32>::zeros((h - 3, w - 6));
    assert!(harris_app::harris(input.view(), big.view_mut()).is_err());
}

#[path = "../examples/bilateral_grid.rs"]
#[allow(dead_code)]
mod bilateral_app;

#[test]
fn bilateral_grid_matches_halide_and_its_reference() {
    let (h, w) = (37, 45);
    let input = bilateral_app::image(h, w);
    let golden_in = read_f32("tests/golden/bilateral_input_37x45_f32.bin");
    assert!(
        input.as_slice().unwrap() == &golden_in[..],
        "the synthetic image differs from the script's"
    );
    let halide = Array2::from_shape_vec(
        (h, w),
        read_f32("tests/golden/bilateral_halide_37x45_f32.bin"),
    )
    .unwrap();
    let mut out = Array2::<f32>::zeros((h, w));
    bilateral_app::bilateral_grid(input.view(), 0.1, out.view_mut()).unwrap();
    let mut r = Array2::<f32>::zeros((h, w));
    bilateral_app::bilateral_grid::reference(input.view(), 0.1, r.view_mut()).unwrap();
    assert_eq!(out, r, "the schedule does not change the result");
    // Halide's `lerp` rounds differently in the last bits.
    for (a, b) in out.iter().zip(&halide) {
        assert!((a - b).abs() <= 1e-5, "{a} vs Halide's {b}");
    }
    // Other shapes and range sigmas (a grid of 1 to 40 levels) still equal the reference.
    for (h, w, r_sigma) in [(1, 1, 0.1), (5, 40, 0.5), (70, 9, 0.025), (17, 16, 1.0)] {
        let input = bilateral_app::image(h, w);
        let (mut a, mut b) = (Array2::<f32>::zeros((h, w)), Array2::<f32>::zeros((h, w)));
        bilateral_app::bilateral_grid(input.view(), r_sigma, a.view_mut()).unwrap();
        bilateral_app::bilateral_grid::reference(input.view(), r_sigma, b.view_mut()).unwrap();
        assert_eq!(
            a.mapv(f32::to_bits),
            b.mapv(f32::to_bits),
            "{h}x{w}, r_sigma {r_sigma}"
        );
    }
}

/// A range sigma that makes the grid absurdly large (or NaN) is an error, never a crash: the
/// grid's size comes from the data-dependent index `(v / r_sigma) as i32`.
#[test]
fn bilateral_grid_rejects_degenerate_range_sigmas() {
    let input = bilateral_app::image(9, 9);
    let mut out = Array2::<f32>::zeros((9, 9));
    for r_sigma in [0.0f32, 1e-30, -0.0] {
        assert!(
            bilateral_app::bilateral_grid(input.view(), r_sigma, out.view_mut()).is_err(),
            "r_sigma {r_sigma}"
        );
    }
    // A NaN sigma puts every pixel at level 0: computed like the reference.
    let mut r = Array2::<f32>::zeros((9, 9));
    bilateral_app::bilateral_grid(input.view(), f32::NAN, out.view_mut()).unwrap();
    bilateral_app::bilateral_grid::reference(input.view(), f32::NAN, r.view_mut()).unwrap();
    assert_eq!(out.mapv(f32::to_bits), r.mapv(f32::to_bits));
}

#[path = "../examples/depthwise_separable_conv.rs"]
#[allow(dead_code)]
mod dwsep_app;

#[test]
fn depthwise_separable_conv_matches_halide_and_its_reference() {
    let (n, h, w, ci, co) = (2, 9, 11, 32, 16);
    let (input, dw, pw, bias) = dwsep_app::data(n, h, w, ci, co);
    let halide = Array4::from_shape_vec(
        (n, h, w, co),
        read_f32("tests/golden/dwsep_halide_2x9x11x16_f32.bin"),
    )
    .unwrap();
    let mut out = Array4::<f32>::zeros((n, h, w, co));
    dwsep_app::depthwise_separable_conv(
        input.view(),
        dw.view(),
        pw.view(),
        bias.view(),
        out.view_mut(),
    )
    .unwrap();
    let mut r = Array4::<f32>::zeros((n, h, w, co));
    dwsep_app::depthwise_separable_conv::reference(
        input.view(),
        dw.view(),
        pw.view(),
        bias.view(),
        r.view_mut(),
    )
    .unwrap();
    assert_eq!(out, r, "the schedule does not change the result");
    // The same sums in the same order; Halide may fuse a multiply-add that halite rounds.
    for (a, b) in out.iter().zip(&halide) {
        assert!((a - b).abs() <= 1e-5, "{a} vs Halide's {b}");
    }
    // Shapes that leave partial tiles, fewer channels than a vector, a 5x5 filter.
    for (n, h, w, ci, co) in [(1, 1, 1, 3, 5), (1, 5, 7, 9, 17), (2, 3, 4, 32, 33)] {
        let (input, _, pw, bias) = dwsep_app::data(n, h, w, ci, co);
        for k in [1, 3, 5] {
            let dw =
                Array3::from_shape_fn((k, k, ci), |(y, x, c)| (y * 3 + x + c) as f32 * 0.1 - 0.4);
            let (mut a, mut b) = (
                Array4::<f32>::zeros((n, h, w, co)),
                Array4::<f32>::zeros((n, h, w, co)),
            );
            dwsep_app::depthwise_separable_conv(
                input.view(),
                dw.view(),
                pw.view(),
                bias.view(),
                a.view_mut(),
            )
            .unwrap();
            dwsep_app::depthwise_separable_conv::reference(
                input.view(),
                dw.view(),
                pw.view(),
                bias.view(),
                b.view_mut(),
            )
            .unwrap();
            assert_eq!(a, b, "{n}x{h}x{w}x{ci} -> {co}, {k}x{k}");
        }
    }
}

#[path = "../examples/local_laplacian.rs"]
#[allow(dead_code)]
mod local_laplacian_app;

fn read_u16(path: &str) -> Vec<u16> {
    read_bytes(path)
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn local_laplacian_matches_halide_and_its_reference() {
    use local_laplacian_app::local_laplacian;
    let (h, w) = (70, 45);
    let input = local_laplacian_app::image(h, w);
    let golden_in = read_u16("tests/golden/local_laplacian_input_3x70x45_u16.bin");
    assert!(
        input.as_slice().unwrap() == &golden_in[..],
        "the synthetic image differs from the script's"
    );
    for (levels, alpha, beta, tag) in [(8, 1.0, 1.0, "8_1_1"), (4, 2.0, 0.5, "4_2_0.5")] {
        let halide = read_u16(&format!(
            "tests/golden/local_laplacian_halide_{tag}_3x70x45_u16.bin"
        ));
        let mut out = Array3::<u16>::zeros((3, h, w));
        local_laplacian(input.view(), levels, alpha, beta, out.view_mut()).unwrap();
        // The reference evaluates the pyramids' aprons point by point (about 6 million points
        // for 8 levels, whatever the image size): once here, once below.
        if levels == 8 {
            let mut r = Array3::<u16>::zeros((3, h, w));
            local_laplacian::reference(input.view(), levels, alpha, beta, r.view_mut()).unwrap();
            assert_eq!(out, r, "the schedule does not change the result ({tag})");
        }
        // Halide's `exp` and float folding differ in the last bits, which may move a value
        // across the truncation to 16 bits.
        let worst = out
            .iter()
            .zip(&halide)
            .map(|(a, b)| (*a as i32 - *b as i32).abs())
            .max()
            .unwrap();
        assert!(
            worst <= 1,
            "differs from Halide's output by {worst} ({tag})"
        );
    }
    // A shape smaller than a strip and a vector still equals the reference.
    let (h, w) = (65, 7);
    let input = local_laplacian_app::image(h, w);
    let (mut a, mut b) = (
        Array3::<u16>::zeros((3, h, w)),
        Array3::<u16>::zeros((3, h, w)),
    );
    local_laplacian(input.view(), 8, 1.0, 1.0, a.view_mut()).unwrap();
    local_laplacian::reference(input.view(), 8, 1.0, 1.0, b.view_mut()).unwrap();
    assert_eq!(a, b, "{h}x{w}");
}

#[path = "../examples/interpolate.rs"]
#[allow(dead_code)]
mod interpolate_app;

#[test]
fn interpolate_matches_halide_and_its_reference() {
    use interpolate_app::interpolate;
    let (h, w) = (70, 45);
    let input = interpolate_app::image(h, w);
    let golden_in = read_f32("tests/golden/interpolate_input_4x70x45_f32.bin");
    assert!(
        input.as_slice().unwrap() == &golden_in[..],
        "the synthetic image differs from the script's"
    );
    let halide = read_f32("tests/golden/interpolate_halide_3x70x45_f32.bin");
    let mut out = Array3::<f32>::zeros((3, h, w));
    interpolate(input.view(), out.view_mut()).unwrap();
    let mut r = Array3::<f32>::zeros((3, h, w));
    interpolate::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out, r, "the schedule does not change the result");
    // The same arithmetic in the same order as Halide's, up to its float constant folding.
    let worst = out
        .iter()
        .zip(&halide)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1e-5, "differs from Halide's output by {worst}");
    // Shapes smaller than a strip, a vector and a pyramid level, and odd sizes.
    for (h, w) in [(1, 1), (33, 7), (5, 70)] {
        let input = interpolate_app::image(h, w);
        let (mut a, mut b) = (
            Array3::<f32>::zeros((3, h, w)),
            Array3::<f32>::zeros((3, h, w)),
        );
        interpolate(input.view(), a.view_mut()).unwrap();
        interpolate::reference(input.view(), b.view_mut()).unwrap();
        assert_eq!(a, b, "{h}x{w}");
    }
}
