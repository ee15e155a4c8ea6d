//! Vectorized reads whose lanes have no constant stride (gathers): table lookups at computed
//! indices, reads along a non-contiguous dimension, and lookups into intermediates (plain and
//! folded by a sliding window), on every instruction set this machine runs, against
//! `reference`. Gathers share one vector of offsets when their indices differ only in terms
//! that are the same in every lane; these kernels mix such terms (`+ 1`, `- 1`, `255 - v`)
//! with varying ones.
use halite::prelude::*;
use halite::rt::Isa;

const ISAS: &[Isa] = &[Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Neon];
const SHAPES: &[(usize, usize)] = &[(1, 1), (3, 7), (5, 8), (9, 17), (16, 33), (2, 64)];

#[kernel]
fn lookup(
    input: ArrayView2<u8>,
    table: ArrayView1<i32>,
    out: ArrayViewMut2<i32>,
) -> Result<(), Error> {
    let v = input(y, x) as i32;
    out(y, x) = table(v) * 3 + table(255 - v) - table(v / 2 + 1);
    schedule! {
        out.vectorize(x, 8);
    }
}

#[kernel]
fn transposed(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = input(x, y) + input(x + 1, y) * 2.0 - input(x + 2, y + 1);
    schedule! {
        out.vectorize(x, 8);
    }
}

#[kernel]
fn grid_root(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    g(z, y, x) = input(y, x) / (z + 1) as u16 + z as u16;
    let k = (input(y, x) % 4) as i32;
    out(y, x) = g(k, y, x / 2) + g(k + 1, y + 1, x / 2 + 1) - g(3 - k, y, x / 2);
    schedule! {
        g.compute_root().bound(z, 0, 5);
        out.vectorize(x, 8);
    }
}

#[kernel]
fn grid_folded(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    g(z, y, x) = input(y, x) / (z + 1) as u16 + z as u16;
    let k = (input(y, x) % 4) as i32;
    out(y, x) = g(k, y, x) + g(k + 1, y + 1, x) + g(3 - k, y + 2, x);
    schedule! {
        g.store_root().compute_at(out, y).bound(z, 0, 5).reorder_storage(y, z, x);
        out.vectorize(x, 8);
    }
}

/// Gathers of neighbouring elements (channels stored innermost, read at the same
/// data-dependent point) are made in pairs: in either order, with a third channel left
/// single, and with the channel dimension made innermost by `reorder_storage`.
#[kernel]
fn channel_pairs(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let edge = repeat_edge(input);
    g(z, x, c) = edge(0, x) * (z + 1) as f32 + c as f32 * 0.25;
    h(c, z, x) = input(0, x) - (z * 3 + c) as f32;
    let k = ((input(y, x) * 3.0) as i32).clamp(0, 3);
    let a = g(k, x / 2, 0) * 2.0 + g(k, x / 2, 1);
    let b = g(k + 1, x / 2, 1) - g(k + 1, x / 2, 0) * 0.5 + g(k, x / 2, 2);
    out(y, x) = a + b * (h(0, 3 - k, x) + h(1, 3 - k, x)) - g(3 - k, x / 2 + 1, 0);
    schedule! {
        g.compute_root().bound(c, 0, 3).bound(z, 0, 5);
        h.compute_root().bound(c, 0, 2).bound(z, 0, 4).reorder_storage(z, x, c);
        out.vectorize(x, 16);
    }
}

#[kernel]
fn channel_pairs8(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    g(z, x, c) = input(0, x) * (z + 1) as f32 - c as f32;
    let k = ((input(y, x) * 3.0) as i32).clamp(0, 3);
    out(y, x) = g(k, x, 1) / (g(k, x, 0) + 4.0) + g(k + 1, x, 0) * g(k + 1, x, 1);
    schedule! {
        g.compute_root().bound(c, 0, 2).bound(z, 0, 5);
        out.vectorize(x, 8);
    }
}

/// Two pairs of channels at neighbouring points of the next storage dimension (the bilateral
/// grid's slicing: both channels at `z` and `z + 1`) are read as quads: with two channels
/// (one 16-byte load per lane), with three (a run-time stride of 3: two pair gathers), in
/// either order, and beside single reads.
#[kernel]
fn channel_quads(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let edge = repeat_edge(input);
    g(z, x, c) = edge(0, x) * (z + 1) as f32 - (c * 7) as f32;
    h(z, x, c) = input(0, x) - (z * 3 + c) as f32;
    q(z, x, c) = input(0, x) * 0.5 + (z * 2 - c) as f32;
    let k = ((input(y, x) * 3.0) as i32).clamp(0, 3);
    let a = g(k, x / 2, 0) * 2.0 + g(k, x / 2, 1) - g(k + 1, x / 2, 0) / 4.0 + g(k + 1, x / 2, 1);
    let b = h(k + 1, x, 1) * h(k + 1, x, 0) + h(k, x, 1) - h(k, x, 0) * h(k, x, 2);
    let d = q(k + 1, x, 1) - q(k, x, 0) * 3.0 + q(k, x, 1) / q(k + 1, x, 0);
    out(y, x) = a + b + d + g(3 - k, x / 2 + 1, 1);
    schedule! {
        g.compute_root().bound(c, 0, 2).bound(z, 0, 5).reorder_storage(x, z, c);
        h.compute_root().bound(c, 0, 3).bound(z, 0, 5).reorder_storage(x, z, c);
        q.compute_root().bound(c, 0, 2).bound(z, 0, 5).reorder_storage(x, z, c);
        out.vectorize(x, 16);
    }
}

#[test]
fn neighbouring_gathers_are_read_in_pairs() {
    for &(h, w) in SHAPES {
        let input = make(h, w, |i| ((i % 13) as f32) * 0.1);
        check(
            "channel_pairs",
            (h, w),
            |o| channel_pairs::reference(input.view(), o),
            |o| channel_pairs(input.view(), o),
            channel_pairs::loop_nest(),
        );
        check(
            "channel_quads",
            (h, w),
            |o| channel_quads::reference(input.view(), o),
            |o| channel_quads(input.view(), o),
            channel_quads::loop_nest(),
        );
        check(
            "channel_pairs8",
            (h, w),
            |o| channel_pairs8::reference(input.view(), o),
            |o| channel_pairs8(input.view(), o),
            channel_pairs8::loop_nest(),
        );
    }
}

fn make<T: Copy>(h: usize, w: usize, f: impl Fn(usize) -> T) -> Array2<T> {
    Array2::from_shape_fn((h, w), |(y, x)| f(y * 131 + x * 17 + (x * y) % 7))
}

/// Runs `kernel` on every supported instruction set and compares with `reference`.
fn check<T: PartialEq + std::fmt::Debug + Default + Clone>(
    name: &str,
    (h, w): (usize, usize),
    reference: impl Fn(ArrayViewMut2<T>) -> Result<(), Error>,
    kernel: impl Fn(ArrayViewMut2<T>) -> Result<(), Error>,
    nest: &str,
) {
    let mut r = Array2::<T>::default((h, w));
    reference(r.view_mut()).unwrap();
    for &isa in ISAS {
        if !isa.supported() {
            continue;
        }
        let mut o = Array2::<T>::default((h, w));
        halite::rt::isa::with_isa(isa, || kernel(o.view_mut())).unwrap();
        assert_eq!(o, r, "{name} at {h}x{w} on {isa:?}\n{nest}");
    }
}

#[test]
fn table_lookups_at_computed_indices() {
    let table = Array1::from_shape_fn(256, |i| (i * i) as i32 - 1000);
    for &(h, w) in SHAPES {
        let input = make(h, w, |i| (i % 256) as u8);
        check(
            "lookup",
            (h, w),
            |o| lookup::reference(input.view(), table.view(), o),
            |o| lookup(input.view(), table.view(), o),
            lookup::loop_nest(),
        );
    }
}

#[test]
fn reads_along_a_non_contiguous_dimension() {
    for &(h, w) in SHAPES {
        let input = make(w + 2, h + 1, |i| (i % 1000) as f32 * 0.25);
        check(
            "transposed",
            (h, w),
            |o| transposed::reference(input.view(), o),
            |o| transposed(input.view(), o),
            transposed::loop_nest(),
        );
        // A view that is not dense: every other column of a wider array.
        let wide = make(w + 2, 2 * (h + 1), |i| (i % 999) as f32 * 0.5);
        let strided = wide.slice(ndarray::s![.., ..;2]);
        check(
            "transposed (strided view)",
            (h, w),
            |o| transposed::reference(strided, o),
            |o| transposed(strided, o),
            transposed::loop_nest(),
        );
    }
}

#[test]
fn lookups_into_intermediates() {
    let nest = grid_folded::loop_nest();
    assert!(
        nest.contains(".fold."),
        "the folded case must fold:\n{nest}"
    );
    for &(h, w) in SHAPES {
        let input = make(h + 2, w + 2, |i| (i % 5000) as u16);
        check(
            "grid_root",
            (h, w),
            |o| grid_root::reference(input.view(), o),
            |o| grid_root(input.view(), o),
            grid_root::loop_nest(),
        );
        check(
            "grid_folded",
            (h, w),
            |o| grid_folded::reference(input.view(), o),
            |o| grid_folded(input.view(), o),
            nest,
        );
    }
}

/// A 4 x 4 tile repeated over the output (a dithering matrix, a Bayer pattern), read through
/// an intermediate computed per block of 8 columns: `x % 4` of the block's columns is never
/// negative, so the kernel asks only for the 4 x 4 tile (truncating `%` bounded by the sign of
/// its operand's range, which starts at a run-time value here).
#[kernel]
fn repeated_tile(tile: ArrayView2<i32>, out: ArrayViewMut2<i32>) -> Result<(), Error> {
    g(y, x) = tile(y % 4, x % 4) * 2;
    out(y, x) = g(y, x) + g(y, x + 1);
    schedule! {
        out.split(x, xo, xi, 8).vectorize(xi, 8);
        g.compute_at(out, xo).vectorize(x, 8);
    }
}

#[test]
fn repeated_tile_reads_only_the_tile() {
    let tile = make(4, 4, |i| (i % 97) as i32 - 40);
    for &(h, w) in SHAPES {
        check(
            "repeated_tile",
            (h, w),
            |o| repeated_tile::reference(tile.view(), o),
            |o| repeated_tile(tile.view(), o),
            repeated_tile::loop_nest(),
        );
    }
}
