//! The DESIGN.md 3x3 blur (u16) against its unscheduled form and a plain Rust two-pass loop,
//! at Halide's apps/blur size and beyond the L3 cache. Halide's own figures come from
//! `scripts/halide_blur.py` run on the same machine (see the README).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halite::prelude::*;
use std::hint::black_box;

#[kernel]
fn blur_scheduled(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16).parallel(y);
        blur_x.compute_at(out, x).vectorize(x, 16);
    }
}

#[kernel]
fn blur_unscheduled(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
}

/// A point-wise f32 kernel, vectorized 16 wide (zmm registers with AVX-512).
#[kernel]
fn scale_f32(
    input: ArrayView2<f32>,
    gain: f32,
    bias: f32,
    out: ArrayViewMut2<f32>,
) -> Result<(), Error> {
    out(y, x) = input(y, x) * gain + bias;
    schedule! {
        out.vectorize(x, 16).parallel(y);
    }
}

/// The blur in f32: strips of 64 rows in parallel, 16-lane vectors, `blur_x` inlined. Each
/// output vector reads its three input rows (from cache: the rows above were read for the
/// previous output row) and adds nine values; the kernel is bound by memory, so the
/// recomputation is free. Measured against a copy of the same bytes on one thread: 1.05-1.10x;
/// Halide's sliding window (`blur_x.store_at(out, y).compute_at(out, yi)`) 1.50-1.58x, tiles
/// of 64 x 512 with `blur_x` rows computed per tile 1.32-1.35x.
#[kernel]
fn blur_f32(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) * (1.0 / 3.0);
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) * (1.0 / 3.0);
    schedule! {
        out.split(y, y, yi, 64).vectorize(x, 16).parallel(y);
    }
}

/// A plain two-pass loop over slices, as a Rust programmer would write it.
fn blur_plain(input: &Array2<u16>, out: &mut Array2<u16>, tmp: &mut Vec<u16>) {
    let (h, w) = out.dim();
    let iw = input.ncols();
    let inp = input.as_slice().unwrap();
    tmp.resize((h + 2) * w, 0);
    for y in 0..h + 2 {
        let row = &inp[y * iw..y * iw + w + 2];
        let t = &mut tmp[y * w..(y + 1) * w];
        for x in 0..w {
            t[x] = (row[x].wrapping_add(row[x + 1]).wrapping_add(row[x + 2])) / 3;
        }
    }
    let o = out.as_slice_mut().unwrap();
    for y in 0..h {
        let (a, b, c) = (
            &tmp[y * w..(y + 1) * w],
            &tmp[(y + 1) * w..(y + 2) * w],
            &tmp[(y + 2) * w..(y + 3) * w],
        );
        let orow = &mut o[y * w..(y + 1) * w];
        for x in 0..w {
            orow[x] = (a[x].wrapping_add(b[x]).wrapping_add(c[x])) / 3;
        }
    }
}

fn bench(c: &mut Criterion) {
    for (h, w) in [(1920usize, 2560usize), (4800, 6400)] {
        let input = Array2::<u16>::from_shape_fn((h + 2, w + 2), |(y, x)| {
            ((y * 31 + x * 17) % 4096) as u16
        });
        let mut out = Array2::<u16>::zeros((h, w));
        let mut expected = Array2::<u16>::zeros((h, w));
        let mut tmp = Vec::new();
        blur_plain(&input, &mut expected, &mut tmp);
        blur_scheduled(input.view(), out.view_mut()).unwrap();
        assert_eq!(
            out, expected,
            "the scheduled blur differs from the plain loop"
        );
        let mut g = c.benchmark_group(format!("blur_u16_{w}x{h}"));
        g.sample_size(20);
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            g.bench_function(BenchmarkId::new("halite_scheduled", threads), |b| {
                pool.install(|| {
                    b.iter(|| blur_scheduled(black_box(input.view()), out.view_mut()).unwrap())
                })
            });
        }
        g.bench_function(BenchmarkId::new("plain_rust", 1), |b| {
            b.iter(|| blur_plain(black_box(&input), &mut out, &mut tmp))
        });
        g.bench_function(BenchmarkId::new("halite_unscheduled", 1), |b| {
            b.iter(|| blur_unscheduled(black_box(input.view()), out.view_mut()).unwrap())
        });
        g.finish();
    }
}

/// f32 kernels against a plain copy of the same bytes (the memory bandwidth bound).
fn bench_f32(c: &mut Criterion) {
    let (h, w) = (1920usize, 2560usize);
    // Every large buffer on huge pages, as the copy's source (TLB misses would otherwise
    // cost the kernels and not the copy).
    let mut input = Array2::<f32>::zeros((h + 2, w + 2));
    halite::util::advise_huge_pages(&mut input);
    input.assign(&Array2::from_shape_fn((h + 2, w + 2), |(y, x)| {
        ((y * 7 + x * 3) % 23) as f32
    }));
    let mut out = Array2::<f32>::zeros((h, w));
    halite::util::advise_huge_pages(&mut out);
    let mut r = Array2::<f32>::zeros((h, w));
    scale_f32(
        input.slice(ndarray::s![..h, ..w]),
        1.5,
        0.25,
        out.view_mut(),
    )
    .unwrap();
    scale_f32::reference(input.slice(ndarray::s![..h, ..w]), 1.5, 0.25, r.view_mut()).unwrap();
    assert_eq!(out, r);
    // The blur's schedule does not reassociate its sums: bit for bit its reference.
    blur_f32(input.view(), out.view_mut()).unwrap();
    blur_f32::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(out, r, "the f32 blur differs from its reference");
    let mut src = Array2::<f32>::zeros((h, w));
    halite::util::advise_huge_pages(&mut src);
    src.fill(1.0);
    let mut g = c.benchmark_group(format!("f32_{w}x{h}"));
    g.sample_size(20);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    g.bench_function("copy_same_bytes/1", |b| {
        b.iter(|| out.assign(black_box(&src)))
    });
    g.bench_function("halite_scale/1", |b| {
        pool.install(|| {
            b.iter(|| scale_f32(black_box(src.view()), 1.5, 0.25, out.view_mut()).unwrap())
        })
    });
    g.bench_function("halite_blur/1", |b| {
        pool.install(|| b.iter(|| blur_f32(black_box(input.view()), out.view_mut()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_f32);
criterion_main!(benches);
