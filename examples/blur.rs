//! The DESIGN.md 3x3 box blur with its schedule, checked against reference and a plain loop.
use halite::prelude::*;

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

fn main() -> Result<(), Error> {
    for (h, w) in [(1024, 1024), (5, 7), (33, 300), (1920, 2560)] {
        let input = Array2::<u16>::from_shape_fn((h + 2, w + 2), |(y, x)| {
            ((y * 31 + x * 17) % 4096) as u16
        });
        let mut out = Array2::<u16>::zeros((h, w));
        blur3x3(input.view(), out.view_mut())?;
        let mut r = Array2::<u16>::zeros((h, w));
        blur3x3::reference(input.view(), r.view_mut())?;
        assert_eq!(out, r, "{h}x{w}");
    }
    println!("{}", blur3x3::loop_nest());
    let (h, w) = (1920, 2560);
    let input =
        Array2::<u16>::from_shape_fn((h + 2, w + 2), |(y, x)| ((y * 31 + x * 17) % 4096) as u16);
    let mut out = Array2::<u16>::zeros((h, w));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut best = f64::MAX;
            for _ in 0..50 {
                let t = std::time::Instant::now();
                blur3x3(input.view(), out.view_mut()).unwrap();
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!("{threads} thread(s): {:.3} ms", best * 1e3);
        });
    }
    Ok(())
}
