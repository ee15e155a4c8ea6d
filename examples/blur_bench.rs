//! Times the DESIGN.md blur (u16) for `scripts/compare_blur.sh`:
//! `cargo run --release --example blur_bench -- WIDTH HEIGHT THREADS` prints the best of 100
//! runs in milliseconds (after checking the result against `reference` once).
use halite::prelude::*;

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
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (w, h, threads) = (
        a.first().copied().unwrap_or(2560),
        a.get(1).copied().unwrap_or(1920),
        a.get(2).copied().unwrap_or(1),
    );
    let huge = std::env::var_os("HALITE_NO_HUGE_PAGES").is_none();
    let mut input = Array2::<u16>::zeros((h + 2, w + 2));
    let mut out = Array2::<u16>::zeros((h, w));
    if huge {
        halite::util::advise_huge_pages(&mut input);
        halite::util::advise_huge_pages(&mut out);
    }
    input
        .indexed_iter_mut()
        .for_each(|((y, x), v)| *v = ((y * 31 + x * 17) % 4096) as u16);
    out.fill(1);
    if w * h <= 1 << 20 {
        let mut r = Array2::<u16>::zeros((h, w));
        blur3x3::reference(input.view(), r.view_mut())?;
        blur3x3(input.view(), out.view_mut())?;
        assert_eq!(out, r);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let best = pool.install(|| {
        let mut best = f64::MAX;
        for _ in 0..100 {
            let t = std::time::Instant::now();
            blur3x3(input.view(), out.view_mut()).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    });
    println!("{:.3}", best * 1e3);
    Ok(())
}
