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

/// Asks Linux for transparent huge pages on an array's memory, as numpy does for large arrays
/// (so that halite and Halide-through-numpy are measured on the same kind of memory).
fn huge_pages<T>(a: &mut Array2<T>) {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn madvise(addr: *mut core::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        let bytes = a.len() * std::mem::size_of::<T>();
        let start = a.as_mut_ptr() as usize & !4095;
        let end = a.as_mut_ptr() as usize + bytes;
        // SAFETY: advice only; the range lies within (page-rounded) memory this process owns.
        unsafe {
            madvise(start as *mut _, end - start, MADV_HUGEPAGE);
        }
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
        huge_pages(&mut input);
        huge_pages(&mut out);
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
