//! Halide's applications (unsharp mask, Harris corners, bilateral grid, local Laplacian, interpolate at
//! 1536x2560; a depthwise separable convolution at MobileNet's 4x112x112x32 -> 16): halite
//! against the examples' plain Rust loops, alternating in one run. The kernels, schedules and
//! plain loops are those of
//! `examples/{unsharp,harris,bilateral_grid,depthwise_separable_conv,local_laplacian,interpolate}.rs`;
//! Halide 21 itself is timed by `scripts/compare_apps.sh` (Halide is never a dependency).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use halite::prelude::*;

#[path = "../examples/bilateral_grid.rs"]
#[allow(dead_code)]
mod bilateral_app;
#[path = "../examples/depthwise_separable_conv.rs"]
#[allow(dead_code)]
mod dwsep_app;
#[path = "../examples/harris.rs"]
#[allow(dead_code)]
mod harris_app;
#[path = "../examples/interpolate.rs"]
#[allow(dead_code)]
mod interpolate_app;
#[path = "../examples/local_laplacian.rs"]
#[allow(dead_code)]
mod local_laplacian_app;
#[path = "../examples/unsharp.rs"]
#[allow(dead_code)]
mod unsharp_app;

const H: usize = 2560;
const W: usize = 1536;

fn bench_unsharp(c: &mut Criterion) {
    let input = unsharp_app::image(H, W);
    let mut out = Array3::<f32>::zeros((3, H, W));
    let mut g = c.benchmark_group("unsharp_1536x2560_rgb");
    g.sample_size(10);
    g.throughput(Throughput::Elements((H * W) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| unsharp_app::unsharp(input.view(), out.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| unsharp_app::plain(&input, &mut out))
    });
    g.finish();
}

fn bench_harris(c: &mut Criterion) {
    let input = harris_app::image(H, W);
    let mut out = Array2::<f32>::zeros((H - 6, W - 6));
    let mut g = c.benchmark_group("harris_1536x2560_rgb");
    g.sample_size(10);
    g.throughput(Throughput::Elements((H * W) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| harris_app::harris(input.view(), out.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| harris_app::plain(&input, &mut out))
    });
    g.finish();
}

fn bench_bilateral(c: &mut Criterion) {
    let input = bilateral_app::image(H, W);
    let mut out = Array2::<f32>::zeros((H, W));
    let mut g = c.benchmark_group("bilateral_grid_1536x2560");
    g.sample_size(10);
    g.throughput(Throughput::Elements((H * W) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| bilateral_app::bilateral_grid(input.view(), 0.1, out.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| bilateral_app::plain(&input, 0.1, &mut out))
    });
    g.finish();
}

fn bench_dwsep(c: &mut Criterion) {
    let (n, h, w, ci, co) = (4, 112, 112, 32, 16);
    let (input, dw, pw, bias) = dwsep_app::data(n, h, w, ci, co);
    let mut out = Array4::<f32>::zeros((n, h, w, co));
    let mut g = c.benchmark_group("depthwise_separable_conv_4x112x112x32_16");
    g.sample_size(10);
    g.throughput(Throughput::Elements(
        (n * h * w * (ci * 9 * 2 + ci * co * 2)) as u64,
    ));
    g.bench_function("halite", |b| {
        b.iter(|| {
            dwsep_app::depthwise_separable_conv(
                input.view(),
                dw.view(),
                pw.view(),
                bias.view(),
                out.view_mut(),
            )
            .unwrap()
        })
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| dwsep_app::plain(&input, &dw, &pw, &bias, &mut out))
    });
    g.finish();
}

fn bench_local_laplacian(c: &mut Criterion) {
    let input = local_laplacian_app::image(H, W);
    let mut out = Array3::<u16>::zeros((3, H, W));
    let mut g = c.benchmark_group("local_laplacian_1536x2560");
    g.sample_size(10);
    g.throughput(Throughput::Elements((H * W) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| {
            local_laplacian_app::local_laplacian(input.view(), 8, 1.0, 1.0, out.view_mut()).unwrap()
        })
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| local_laplacian_app::plain(&input, 8, 1.0, 1.0, &mut out))
    });
    g.finish();
}

fn bench_interpolate(c: &mut Criterion) {
    let input = interpolate_app::image(H, W);
    let mut out = Array3::<f32>::zeros((3, H, W));
    let mut g = c.benchmark_group("interpolate_1536x2560");
    g.sample_size(20);
    g.throughput(Throughput::Elements((H * W) as u64));
    g.bench_function("halite", |b| {
        b.iter(|| interpolate_app::interpolate(input.view(), out.view_mut()).unwrap())
    });
    g.bench_function("plain_loop", |b| {
        b.iter(|| interpolate_app::plain(&input, &mut out))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_unsharp,
    bench_harris,
    bench_bilateral,
    bench_dwsep,
    bench_local_laplacian,
    bench_interpolate
);
criterion_main!(benches);
