//! Reductions (issue: SGEMM, conv2d, histogram, softmax): halite against ndarray's `dot`, plain
//! Rust loops and a copy of the same bytes (the memory bound), alternating in one run.
//! The kernels and schedules are those of `examples/{matmul,conv2d,histogram,softmax}.rs`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use halite::prelude::*;
use std::hint::black_box;

#[path = "../examples/conv2d.rs"]
#[allow(dead_code)]
mod conv2d_app;
#[path = "../examples/histogram.rs"]
#[allow(dead_code)]
mod histogram_app;
#[path = "../examples/matmul.rs"]
#[allow(dead_code)]
mod matmul_app;
#[path = "../examples/softmax.rs"]
#[allow(dead_code)]
mod softmax_app;
use conv2d_app::conv2d;
use histogram_app::histogram;
use matmul_app::matmul;
use softmax_app::softmax;

fn bench_matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("sgemm");
    g.sample_size(10);
    for n in [1024usize, 2048] {
        let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.25);
        let b = Array2::from_shape_fn((n, n), |(i, j)| ((i * 5 + j * 11) % 17) as f32 * 0.125);
        let mut out = Array2::<f32>::zeros((n, n));
        g.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        g.bench_with_input(BenchmarkId::new("halite", n), &n, |bch, _| {
            bch.iter(|| matmul(a.view(), b.view(), out.view_mut()).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("ndarray_dot", n), &n, |bch, _| {
            bch.iter(|| black_box(a.dot(&b)))
        });
    }
    g.finish();
}

fn bench_conv2d(c: &mut Criterion) {
    let (ci, co, h, w) = (64, 64, 56, 56);
    let input = Array4::from_shape_fn((1, ci, h + 2, w + 2), |(_, c, y, x)| {
        ((c + y * 3 + x) % 7) as f32
    });
    let wt = Array4::from_shape_fn((co, ci, 3, 3), |(o, c, y, x)| {
        ((o + c + y + x) % 5) as f32 * 0.1
    });
    let mut out = Array4::<f32>::zeros((1, co, h, w));
    let mut g = c.benchmark_group("conv2d_1x64x56x56_k3");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2 * (co * h * w * ci * 9) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| conv2d(input.view(), wt.view(), out.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| {
            for o in 0..co {
                for y in 0..h {
                    for x in 0..w {
                        let mut s = 0.0f32;
                        for c in 0..ci {
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    s = wt[[o, c, ky, kx]]
                                        .mul_add(input[[0, c, y + ky, x + kx]], s);
                                }
                            }
                        }
                        out[[0, o, y, x]] = s;
                    }
                }
            }
        })
    });
    g.finish();
}

fn bench_memory_bound(c: &mut Criterion) {
    let (h, w) = (4096, 4096);
    let img = Array2::from_shape_fn((h, w), |(y, x)| ((y * 37 + x * 11) % 256) as u8);
    let mut hist = Array1::<i32>::zeros(256);
    let mut copy = Array2::<u8>::zeros((h, w));
    let mut g = c.benchmark_group("histogram_4096x4096_u8");
    g.sample_size(20);
    g.throughput(Throughput::Bytes((h * w) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| histogram(img.view(), hist.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| {
            let mut hh = [0i32; 256];
            for &v in img.iter() {
                hh[v as usize] += 1;
            }
            black_box(hh)
        })
    });
    g.bench_function("copy_bound", |b| b.iter(|| copy.assign(&img)));
    g.finish();

    let (h, w) = (2048, 4096);
    let x = Array2::from_shape_fn((h, w), |(y, x)| ((y * 31 + x * 17) % 101) as f32 * 0.05);
    let mut out = Array2::<f32>::zeros((h, w));
    let mut g = c.benchmark_group("softmax_2048x4096_f32");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((h * w * 8) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| softmax(x.view(), out.view_mut()).unwrap())
    });
    g.bench_function("copy_bound", |b| b.iter(|| out.assign(&x)));
    g.finish();
}

criterion_group!(benches, bench_matmul, bench_conv2d, bench_memory_bound);
criterion_main!(benches);
