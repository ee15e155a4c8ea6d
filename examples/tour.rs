//! The tour: a gallery of halite kernels on built-in data. Each is checked against its
//! `reference` (the interpreter) and timed against a plain Rust loop.
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
    bytes: usize,
}

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
        bytes: 2 * (h * w + (h + 2) * (w + 2)),
    });

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
        bytes: 2 * h * w,
    });

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
        bytes: 8 * sh * sw,
    });

    println!("halite tour: every kernel below matched its reference interpreter bit for bit.\n");
    println!(
        "{:<16} {:>10} {:>12} {:>12} {:>8} {:>8}",
        "kernel", "size", "halite", "naive Rust", "speedup", "GB/s"
    );
    for r in &rows {
        println!(
            "{:<16} {:>10} {:>9.3} ms {:>9.3} ms {:>7.2}x {:>8.1}",
            r.kernel,
            r.size,
            r.halite.as_secs_f64() * 1e3,
            r.naive.as_secs_f64() * 1e3,
            r.naive.as_secs_f64() / r.halite.as_secs_f64(),
            r.bytes as f64 / r.halite.as_secs_f64() / 1e9
        );
    }
    println!("\nThe loop nest of blur3x3:\n{}", blur3x3::loop_nest());
    Ok(())
}
