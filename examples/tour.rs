//! The tour: a gallery of halite kernels on built-in data. Each is checked against its
//! `reference` (the interpreter) and timed against a plain Rust loop; the image results are
//! written as PNG files to `tour-output/`.
//!
//! Run with `cargo run --release --example tour`.

use halite::prelude::*;
use std::time::{Duration, Instant};

/// 3x3 box blur: each output pixel is the mean of the 3x3 input pixels below and right of it.
#[kernel]
pub fn blur3x3(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;

    schedule! {
        out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16).parallel(y);
        blur_x.compute_at(out, x).vectorize(x, 16);
    }
}

/// Brightness and contrast in f32, saturating back to u8.
#[kernel]
pub fn brighten(
    input: ArrayView2<u8>,
    gain: f32,
    bias: f32,
    out: ArrayViewMut2<u8>,
) -> Result<(), Error> {
    out(y, x) = (input(y, x) as f32 * gain + bias).clamp(0.0, 255.0) as u8;

    schedule! {
        out.vectorize(x, 16).parallel(y);
    }
}

/// A Sobel edge magnitude with a repeated edge: any output size works for any input.
#[kernel]
pub fn sobel(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = repeat_edge(input);
    gx(y, x) = p(y - 1, x + 1) + 2.0 * p(y, x + 1) + p(y + 1, x + 1)
        - p(y - 1, x - 1)
        - 2.0 * p(y, x - 1)
        - p(y + 1, x - 1);
    gy(y, x) = p(y + 1, x - 1) + 2.0 * p(y + 1, x) + p(y + 1, x + 1)
        - p(y - 1, x - 1)
        - 2.0 * p(y - 1, x)
        - p(y - 1, x + 1);
    out(y, x) = (gx(y, x) * gx(y, x) + gy(y, x) * gy(y, x)).sqrt();

    schedule! {
        out.vectorize(x, 16).parallel(y);
    }
}

fn time(mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let mut best = Duration::MAX;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    best
}

struct Row {
    kernel: &'static str,
    size: String,
    halite: Duration,
    naive: Duration,
    /// Bytes moved, or floating-point operations when `flops`.
    work: f64,
    flops: bool,
}

impl Row {
    fn rate(&self) -> String {
        let per_s = self.work / self.halite.as_secs_f64() / 1e9;
        if self.flops {
            format!("{per_s:.1} GFLOP/s")
        } else {
            format!("{per_s:.1} GB/s")
        }
    }
}

/// A grayscale PNG of `img` scaled to 0..=255, in `tour-output/`.
fn write_png(name: &str, img: &Array2<f32>) {
    let dir = std::path::Path::new("tour-output");
    let _ = std::fs::create_dir_all(dir);
    let (lo, hi) = img
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
    let data: Vec<u8> = img.iter().map(|&v| ((v - lo) * scale) as u8).collect();
    let file = std::fs::File::create(dir.join(name)).expect("create the PNG file");
    let mut enc = png::Encoder::new(
        std::io::BufWriter::new(file),
        img.ncols() as u32,
        img.nrows() as u32,
    );
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .and_then(|mut w| w.write_image_data(&data))
        .expect("write the PNG file");
}

/// Halide's unsharp mask app (see examples/unsharp.rs).
#[path = "unsharp.rs"]
#[allow(dead_code)]
mod unsharp_app;

// The reduction kernels of the examples, with their schedules.
#[path = "conv2d.rs"]
#[allow(dead_code)]
mod conv2d_app;
#[path = "histogram.rs"]
#[allow(dead_code)]
mod histogram_app;
#[path = "matmul.rs"]
#[allow(dead_code)]
mod matmul_app;
#[path = "softmax.rs"]
#[allow(dead_code)]
mod softmax_app;
use conv2d_app::conv2d;
use histogram_app::histogram;
use matmul_app::matmul;
use softmax_app::softmax;

fn main() -> Result<(), Error> {
    let mut rows = Vec::new();

    // Blur, u16, Halide's apps/blur size.
    let (h, w) = (1920, 2560);
    let input =
        Array2::<u16>::from_shape_fn((h + 2, w + 2), |(y, x)| ((y * 31 + x * 17) % 4096) as u16);
    let mut out = Array2::<u16>::zeros((h, w));
    let mut expected = Array2::<u16>::zeros((h, w));
    blur3x3(input.view(), out.view_mut())?;
    blur3x3::reference(input.view(), expected.view_mut())?;
    assert_eq!(out, expected, "blur3x3 differs from its reference");
    let halite = time(|| blur3x3(input.view(), out.view_mut()).unwrap());
    let naive = time(|| {
        let mut bx = vec![0u16; (h + 2) * w];
        for y in 0..h + 2 {
            for x in 0..w {
                bx[y * w + x] = input[[y, x]]
                    .wrapping_add(input[[y, x + 1]])
                    .wrapping_add(input[[y, x + 2]])
                    / 3;
            }
        }
        for y in 0..h {
            for x in 0..w {
                out[[y, x]] = bx[y * w + x]
                    .wrapping_add(bx[(y + 1) * w + x])
                    .wrapping_add(bx[(y + 2) * w + x])
                    / 3;
            }
        }
    });
    rows.push(Row {
        kernel: "blur3x3 (u16)",
        size: format!("{w}x{h}"),
        halite,
        naive,
        work: (2 * (h * w + (h + 2) * (w + 2))) as f64,
        flops: false,
    });
    write_png("blur_input.png", &input.mapv(|v| v as f32));
    write_png("blur_output.png", &out.mapv(|v| v as f32));

    // Brighten, u8.
    let img = Array2::<u8>::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 13) % 256) as u8);
    let mut o8 = Array2::<u8>::zeros((h, w));
    let mut r8 = Array2::<u8>::zeros((h, w));
    brighten(img.view(), 1.3, -12.0, o8.view_mut())?;
    brighten::reference(img.view(), 1.3, -12.0, r8.view_mut())?;
    assert_eq!(o8, r8, "brighten differs from its reference");
    let halite = time(|| brighten(img.view(), 1.3, -12.0, o8.view_mut()).unwrap());
    let naive = time(|| {
        for y in 0..h {
            for x in 0..w {
                o8[[y, x]] = (img[[y, x]] as f32 * 1.3 + -12.0).clamp(0.0, 255.0) as u8;
            }
        }
    });
    rows.push(Row {
        kernel: "brighten (u8)",
        size: format!("{w}x{h}"),
        halite,
        naive,
        work: (2 * h * w) as f64,
        flops: false,
    });
    write_png("brighten_output.png", &o8.mapv(|v| v as f32));

    // Sobel, f32, a smaller image (the reference interpreter is slow).
    let (sh, sw) = (480, 640);
    let f = Array2::<f32>::from_shape_fn((sh, sw), |(y, x)| {
        (((y / 16 + x / 16) % 2) as f32) * 100.0 + (x as f32 * 0.1)
    });
    let mut of = Array2::<f32>::zeros((sh, sw));
    let mut rf = Array2::<f32>::zeros((sh, sw));
    sobel(f.view(), of.view_mut())?;
    sobel::reference(f.view(), rf.view_mut())?;
    assert_eq!(of, rf, "sobel differs from its reference");
    let halite = time(|| sobel(f.view(), of.view_mut()).unwrap());
    let naive = time(|| {
        let p = |y: isize, x: isize| {
            f[[
                y.clamp(0, sh as isize - 1) as usize,
                x.clamp(0, sw as isize - 1) as usize,
            ]]
        };
        for y in 0..sh as isize {
            for x in 0..sw as isize {
                let gx = p(y - 1, x + 1) + 2.0 * p(y, x + 1) + p(y + 1, x + 1)
                    - p(y - 1, x - 1)
                    - 2.0 * p(y, x - 1)
                    - p(y + 1, x - 1);
                let gy = p(y + 1, x - 1) + 2.0 * p(y + 1, x) + p(y + 1, x + 1)
                    - p(y - 1, x - 1)
                    - 2.0 * p(y - 1, x)
                    - p(y - 1, x + 1);
                of[[y as usize, x as usize]] = (gx * gx + gy * gy).sqrt();
            }
        }
    });
    rows.push(Row {
        kernel: "sobel (f32)",
        size: format!("{sw}x{sh}"),
        halite,
        naive,
        work: (8 * sh * sw) as f64,
        flops: false,
    });
    write_png("sobel_input.png", &f);
    write_png("sobel_output.png", &of);

    // Unsharp mask of an RGB image (Halide's app), f32: the sharpened image is written out.
    let (uh, uw) = (480, 640);
    let rgb = Array3::from_shape_fn((3, uh, uw), |(c, y, x)| {
        let (fy, fx) = (y as f32 / uh as f32, x as f32 / uw as f32);
        let disc = if (fx - 0.5).powi(2) + (fy - 0.5).powi(2) < 0.08 {
            0.6
        } else {
            0.2
        };
        (disc + 0.3 * ((fx * 12.0 + c as f32).sin() * (fy * 9.0).cos())).clamp(0.05, 1.0)
    });
    let mut sharp = Array3::<f32>::zeros((3, uh, uw));
    let mut sharp_ref = Array3::<f32>::zeros((3, uh, uw));
    {
        let small = rgb.slice(ndarray::s![.., ..40, ..50]);
        let (mut got, mut want) = (
            Array3::<f32>::zeros((3, 40, 50)),
            Array3::<f32>::zeros((3, 40, 50)),
        );
        unsharp_app::unsharp(small, got.view_mut())?;
        unsharp_app::unsharp::reference(small, want.view_mut())?;
        assert_eq!(got, want, "unsharp differs from its reference");
    }
    let halite = time(|| unsharp_app::unsharp(rgb.view(), sharp.view_mut()).unwrap());
    let naive = time(|| {
        // The same pipeline as plain loops over whole images (gray, two blurs, ratio).
        let gray = Array2::from_shape_fn((uh, uw), |(y, x)| {
            0.299 * rgb[[0, y, x]] + 0.587 * rgb[[1, y, x]] + 0.114 * rgb[[2, y, x]]
        });
        let norm = (2.0f32 * std::f32::consts::PI).sqrt() * 1.5;
        let k = [
            1.0 / norm,
            (-1.0f32 / 4.5).exp() / norm,
            (-4.0f32 / 4.5).exp() / norm,
            (-9.0f32 / 4.5).exp() / norm,
        ];
        let at = |img: &Array2<f32>, y: isize, x: isize| {
            img[[
                y.clamp(0, uh as isize - 1) as usize,
                x.clamp(0, uw as isize - 1) as usize,
            ]]
        };
        let by = Array2::from_shape_fn((uh, uw), |(y, x)| {
            let (y, x) = (y as isize, x as isize);
            (0..4)
                .map(|d| {
                    k[d] * if d == 0 {
                        at(&gray, y, x)
                    } else {
                        at(&gray, y - d as isize, x) + at(&gray, y + d as isize, x)
                    }
                })
                .sum::<f32>()
        });
        for y in 0..uh {
            for x in 0..uw {
                let (yy, xx) = (y as isize, x as isize);
                let bx: f32 = (0..4)
                    .map(|d| {
                        k[d] * if d == 0 {
                            at(&by, yy, xx)
                        } else {
                            at(&by, yy, xx - d as isize) + at(&by, yy, xx + d as isize)
                        }
                    })
                    .sum();
                let g = gray[[y, x]];
                let ratio = (2.0 * g - bx) / g;
                for c in 0..3 {
                    sharp_ref[[c, y, x]] = ratio * rgb[[c, y, x]];
                }
            }
        }
    });
    let worst = sharp
        .iter()
        .zip(&sharp_ref)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1e-3))
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "unsharp differs from the plain loop by {worst:e}"
    );
    rows.push(Row {
        kernel: "unsharp (f32)",
        size: format!("{uw}x{uh}x3"),
        halite,
        naive,
        work: (2 * 3 * 4 * uh * uw) as f64,
        flops: false,
    });
    write_png(
        "unsharp_input_red.png",
        &rgb.index_axis(Axis(0), 0).to_owned(),
    );
    write_png(
        "unsharp_output_red.png",
        &sharp.index_axis(Axis(0), 0).to_owned(),
    );

    // Matrix product, f32: checked against the reference on a small ragged problem (the
    // schedule keeps the order of the sum: bit for bit), timed at 512.
    let n = 512;
    let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.25 - 1.0);
    let b = Array2::from_shape_fn((n, n), |(i, j)| {
        ((i * 5 + j * 11) % 17) as f32 * 0.125 - 1.0
    });
    let (sa, sb) = (
        a.slice(ndarray::s![..37, ..29]),
        b.slice(ndarray::s![..29, ..45]),
    );
    let (mut got, mut want) = (
        Array2::<f32>::zeros((37, 45)),
        Array2::<f32>::zeros((37, 45)),
    );
    matmul(sa, sb, got.view_mut())?;
    matmul::reference(sa, sb, want.view_mut())?;
    assert_eq!(got, want, "matmul differs from its reference");
    let mut c = Array2::<f32>::zeros((n, n));
    let halite = time(|| matmul(a.view(), b.view(), c.view_mut()).unwrap());
    let mut d = Array2::<f32>::zeros((n, n));
    let naive = time(|| {
        d.fill(0.0);
        for i in 0..n {
            for k in 0..n {
                let x = a[[i, k]];
                for j in 0..n {
                    d[[i, j]] = x.mul_add(b[[k, j]], d[[i, j]]);
                }
            }
        }
    });
    assert_eq!(c, d, "matmul differs from the plain loop");
    rows.push(Row {
        kernel: "matmul (f32)",
        size: format!("{n}^3"),
        halite,
        naive,
        work: 2.0 * (n as f64).powi(3),
        flops: true,
    });

    // Convolution layer, f32: the reference on one image of a few channels, timing on a
    // ResNet-sized layer.
    let (ci, co, hh, ww) = (64, 64, 56, 56);
    let inp = Array4::from_shape_fn((1, ci, hh + 2, ww + 2), |(_, c, y, x)| {
        ((c * 7 + y * 3 + x) % 11) as f32 * 0.1 - 0.5
    });
    let wts = Array4::from_shape_fn((co, ci, 3, 3), |(o, c, y, x)| {
        ((o * 5 + c * 3 + y * 2 + x) % 7) as f32 * 0.05 - 0.15
    });
    {
        let si = inp.slice(ndarray::s![.., ..3, ..9, ..11]);
        let sw = wts.slice(ndarray::s![..4, ..3, .., ..]);
        let (mut got, mut want) = (
            Array4::<f32>::zeros((1, 4, 7, 9)),
            Array4::<f32>::zeros((1, 4, 7, 9)),
        );
        conv2d(si, sw, got.view_mut())?;
        conv2d::reference(si, sw, want.view_mut())?;
        assert_eq!(got, want, "conv2d differs from its reference");
    }
    let mut o4 = Array4::<f32>::zeros((1, co, hh, ww));
    let halite = time(|| conv2d(inp.view(), wts.view(), o4.view_mut()).unwrap());
    let mut p4 = Array4::<f32>::zeros((1, co, hh, ww));
    let naive = time(|| {
        for o in 0..co {
            for y in 0..hh {
                for x in 0..ww {
                    let mut acc = 0.0f32;
                    for c in 0..ci {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                acc = wts[[o, c, ky, kx]].mul_add(inp[[0, c, y + ky, x + kx]], acc);
                            }
                        }
                    }
                    p4[[0, o, y, x]] = acc;
                }
            }
        }
    });
    assert_eq!(o4, p4, "conv2d differs from the plain loop");
    rows.push(Row {
        kernel: "conv2d (f32)",
        size: format!("{ci}x{hh}x{ww}>{co}"),
        halite,
        naive,
        work: 2.0 * (co * ci * 9 * hh * ww) as f64,
        flops: true,
    });

    // Histogram of an 8-bit image.
    let (gh, gw) = (2048, 2048);
    let gray = Array2::from_shape_fn((gh, gw), |(y, x)| {
        ((y * 37 + x * 11 + (x * y) % 7) % 256) as u8
    });
    let (mut hist, mut hist_ref) = (Array1::<i32>::zeros(256), Array1::<i32>::zeros(256));
    histogram(gray.slice(ndarray::s![..40, ..50]), hist.view_mut())?;
    histogram::reference(gray.slice(ndarray::s![..40, ..50]), hist_ref.view_mut())?;
    assert_eq!(hist, hist_ref, "histogram differs from its reference");
    let halite = time(|| histogram(gray.view(), hist.view_mut()).unwrap());
    let mut plain = [0i32; 256];
    let naive = time(|| {
        plain = [0; 256];
        for &v in gray.iter() {
            plain[v as usize] += 1;
        }
    });
    assert_eq!(
        hist.as_slice().unwrap(),
        &plain[..],
        "histogram differs from the plain loop"
    );
    rows.push(Row {
        kernel: "histogram (u8)",
        size: format!("{gw}x{gh}"),
        halite,
        naive,
        work: (gh * gw) as f64,
        flops: false,
    });

    // Softmax of each row, f32: halite's `exp` is its own (the same bits in the reference),
    // and the schedule regroups the row sums, so the plain loop agrees to a few ulps.
    let (th, tw) = (1024, 1024);
    let logits = Array2::from_shape_fn((th, tw), |(y, x)| {
        ((y * 31 + x * 17) % 101) as f32 * 0.05 - 2.0
    });
    {
        let small = logits.slice(ndarray::s![..5, ..37]);
        let (mut got, mut want) = (Array2::<f32>::zeros((5, 37)), Array2::<f32>::zeros((5, 37)));
        softmax(small, got.view_mut())?;
        softmax::reference(small, want.view_mut())?;
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| (a - b).abs() <= 1e-6 * b.abs()),
            "softmax differs from its reference"
        );
    }
    let mut sm = Array2::<f32>::zeros((th, tw));
    let halite = time(|| softmax(logits.view(), sm.view_mut()).unwrap());
    let mut sp = Array2::<f32>::zeros((th, tw));
    let naive = time(|| {
        for (row, mut o) in logits.rows().into_iter().zip(sp.rows_mut()) {
            let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let s: f32 = row.iter().map(|&v| (v - m).exp()).sum();
            for (d, &v) in o.iter_mut().zip(row.iter()) {
                *d = (v - m).exp() / s;
            }
        }
    });
    assert!(
        sm.iter()
            .zip(&sp)
            .all(|(a, b)| (a - b).abs() <= 1e-5 * b.abs()),
        "softmax differs from the plain loop"
    );
    rows.push(Row {
        kernel: "softmax (f32)",
        size: format!("{tw}x{th}"),
        halite,
        naive,
        work: (8 * th * tw) as f64,
        flops: false,
    });

    let isa = halite::rt::isa()?;
    println!(
        "halite tour on {} thread(s), instruction set {}: every kernel below matched its reference",
        rayon::current_num_threads(),
        isa.name()
    );
    println!(
        "interpreter (bit for bit, or to a few ulps where the schedule regroups a float sum).\n"
    );
    println!(
        "{:<16} {:>12} {:>7} {:>12} {:>12} {:>8} {:>14}",
        "kernel", "size", "isa", "halite", "naive Rust", "speedup", "rate"
    );
    for r in &rows {
        println!(
            "{:<16} {:>12} {:>7} {:>9.3} ms {:>9.3} ms {:>7.1}x {:>14}",
            r.kernel,
            r.size,
            isa.name(),
            r.halite.as_secs_f64() * 1e3,
            r.naive.as_secs_f64() * 1e3,
            r.naive.as_secs_f64() / r.halite.as_secs_f64(),
            r.rate()
        );
    }
    println!(
        "\nImages written to tour-output/ (blur, brighten, sobel, unsharp: inputs and results)."
    );
    println!("\nThe loop nest of blur3x3:\n{}", blur3x3::loop_nest());
    Ok(())
}
