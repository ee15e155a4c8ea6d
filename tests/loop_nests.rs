//! Golden tests of lowered loop nests (`NAME::loop_nest()`). Update with
//! `UPDATE_EXPECT=1 cargo test --test loop_nests` and review the diff.

use expect_test::expect;
use halite::prelude::*;

#[kernel]
fn blur3x3(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        blur_x.compute_root();
    }
}

#[kernel]
fn blur3x3_inline(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
}

#[kernel]
fn edge_blur(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    let p = repeat_edge(input);
    bx(y, x) = p(y, x - 1) + p(y, x + 1);
    out(y, x) = bx(y - 1, x) + bx(y + 1, x);
    schedule! {
        bx.compute_root();
    }
}

/// The DESIGN.md blur with its schedule.
#[kernel]
fn blur3x3_tiled(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16).parallel(y);
        blur_x.compute_at(out, x).vectorize(x, 16);
    }
}

#[kernel]
fn brighten_split(input: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error> {
    out(y, x) = input(y, x) * 2.0 + 1.0;
    schedule! {
        out.split(x, xo, xi, 8, GuardWithIf).unroll(xi).fuse(y, xo, t).parallel(t);
    }
}

/// A split shifted inwards, with a Func computed per tile.
#[kernel]
fn shifted_tile(input: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    f(x) = input(x) * 2.0;
    out(x) = f(x) + f(x + 1);
    schedule! {
        out.split(x, x, xi, 8, ShiftInwards).unroll(xi);
        f.compute_at(out, x);
    }
}

/// Halide's sliding window: rows of `blur_x` computed once per strip of 8 output rows.
/// Zero padding inlined into tiles of 8 taps: interior tiles get a copy without the tests.
#[kernel]
fn padded_taps(input: ArrayView1<f32>, out: ArrayViewMut1<f32>) -> Result<(), Error> {
    let n = input.len();
    p(x) = if x >= 0 && x < n {
        input(x.clamp(0, n - 1))
    } else {
        0.0f32
    };
    out(x) = p(x - 1) + p(x) + p(x + 1);
    schedule! {
        out.split(x, x, xi, 8, ShiftInwards).unroll(xi);
    }
}

#[kernel]
fn blur3x3_sliding(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.split(y, yo, yi, 8).parallel(yo);
        blur_x.store_at(out, yo).compute_at(out, yi);
    }
}

/// Each iteration of `yi` after the first computes the rows the previous one did not
/// (`blur_x.slide.0.min`); storage keeps 4 rows (`fold`), indexed by row & 3.
#[test]
fn blur_sliding_window() {
    expect![[r#"
        kernel blur3x3_sliding
        check input covers [0, min((out.extent.0 as i64 + 7) / 8 * 8 + 1, out.extent.0 as i64 + 1)] x [0, select(0 < out.extent.1 as i64, out.extent.1 as i64 - 1, -1) + 2]
        let blur_x.fold.0 = 4
        let blur_x.alloc.0 = 4
        let blur_x.alloc.1 = out.extent.1 as i64
        if 0 < out.extent.0 && 0 < out.extent.1:
          produce out:
            parallel for out.yo in [0, +(out.extent.0 + 7) / 8):
              allocate blur_x: u16 over [0, +blur_x.alloc.0) x [0, +blur_x.alloc.1)
                for out.yi in [0, +min(8, out.extent.0 - out.yo * 8)):
                  let blur_x.min.0 = (out.yo as i64 * 8 + out.yi as i64) as i32
                  let blur_x.extent.0 = 3
                  let blur_x.min.1 = 0
                  let blur_x.extent.1 = out.extent.1 as i64 as i32
                  produce blur_x:
                    let blur_x.slide.0.min = select(0 < out.yi, min(max(blur_x.min.0, (out.yo as i64 * 8 + (out.yi - 1) as i64 + 2) as i32 + 1), blur_x.min.0 + 3), blur_x.min.0)
                    let blur_x.slide.0.extent = blur_x.min.0 - blur_x.slide.0.min + 3
                    for blur_x.y in [blur_x.slide.0.min, +blur_x.slide.0.extent):
                      for blur_x.x in [0, +blur_x.extent.1):
                        blur_x(blur_x.y, blur_x.x) = (input(blur_x.y, blur_x.x) + input(blur_x.y, blur_x.x + 1) + input(blur_x.y, blur_x.x + 2)) / 3u16
                  for out.x in [0, +out.extent.1):
                    let out.y.v = out.yo * 8 + out.yi
                    out(out.y.v, out.x) = (blur_x(out.y.v, out.x) + blur_x(out.y.v + 1, out.x) + blur_x(out.y.v + 2, out.x)) / 3u16
    "#]]
    .assert_eq(blur3x3_sliding::loop_nest());
    let input = Array2::from_shape_fn((21, 12), |(y, x)| (y * 977 + x * 131) as u16);
    let mut got = Array2::<u16>::zeros((19, 10));
    let mut want = got.clone();
    blur3x3_sliding(input.view(), got.view_mut()).unwrap();
    blur3x3_sliding::reference(input.view(), want.view_mut()).unwrap();
    assert_eq!(got, want);
}

#[test]
fn blur_design_schedule() {
    expect![[r#"
        kernel blur3x3_tiled
        check input covers [0, max(min((out.extent.0 as i64 + 31) / 32 * 32 + 1, out.extent.0 as i64 + 1), min((out.extent.0 as i64 + 31) / 32 * 32 - 33, out.extent.0 as i64 - 2))] x [0, max(max(max(min((out.extent.1 as i64 + 255) / 256 * 256 - 1, out.extent.1 as i64 - 1), min((out.extent.1 as i64 + 255) / 256 * 256 - 257, out.extent.1 as i64 - 2)), max(min((out.extent.1 as i64 + 255) / 256 * 256, out.extent.1 as i64), min((out.extent.1 as i64 + 255) / 256 * 256 - 256, out.extent.1 as i64 - 1))), max(min((out.extent.1 as i64 + 255) / 256 * 256 + 1, out.extent.1 as i64 + 1), min((out.extent.1 as i64 + 255) / 256 * 256 - 255, out.extent.1 as i64)))]
        let blur_x.alloc.0 = min(34, out.extent.0 as i64 + 2)
        let blur_x.alloc.1 = min(256, out.extent.1 as i64)
        if 0 < out.extent.0 && 0 < out.extent.1:
          produce out:
            parallel for out.y in [0, +(out.extent.0 + 31) / 32):
              allocate blur_x: u16 over [0, +blur_x.alloc.0) x [0, +blur_x.alloc.1)
                for out.x in [0, +(out.extent.1 + 255) / 256):
                  let blur_x.min.0 = (out.y as i64 * 32) as i32
                  let blur_x.extent.0 = (min(33, -(out.y as i64 * 32) + out.extent.0 as i64 + 1) + 1) as i32
                  let blur_x.min.1 = (out.x as i64 * 256) as i32
                  let blur_x.extent.1 = (min(255, -(out.x as i64 * 256) + out.extent.1 as i64 - 1) + 1) as i32
                  produce blur_x:
                    for blur_x.y in [blur_x.min.0, +blur_x.extent.0):
                      vectorized(x16) for blur_x.x in [blur_x.min.1, +blur_x.extent.1):
                        blur_x(blur_x.y, blur_x.x) = (input(blur_x.y, blur_x.x) + input(blur_x.y, blur_x.x + 1) + input(blur_x.y, blur_x.x + 2)) / 3u16
                  for out.yi in [0, +min(32, out.extent.0 - out.y * 32)):
                    vectorized(x16) for out.xi in [0, +min(256, out.extent.1 - out.x * 256)):
                      let out.y.v = out.y * 32 + out.yi
                      let out.x.v = out.x * 256 + out.xi
                      out(out.y.v, out.x.v) = (blur_x(out.y.v, out.x.v) + blur_x(out.y.v + 1, out.x.v) + blur_x(out.y.v + 2, out.x.v)) / 3u16
    "#]].assert_eq(blur3x3_tiled::loop_nest());
}

#[test]
fn split_unroll_fuse_parallel() {
    expect![[r#"
        kernel brighten_split
        check input covers [min(0, max(out.extent.0 as i64, 1) - 1), min(max((out.extent.0 as i64 * ((out.extent.1 as i64 + 7) / 8) - 1) / max((out.extent.1 as i64 + 7) / 8, 1), 0), max(out.extent.0 as i64, 1) - 1)] x [0, min(min(out.extent.0 as i64 * ((out.extent.1 as i64 + 7) / 8) - 1, max(max((out.extent.1 as i64 + 7) / 8, 1) - 1, 0)) * 8 + 7, out.extent.1 as i64 - 1)]
        if 0 < out.extent.0 && 0 < out.extent.1:
          produce out:
            parallel for out.t in [0, +out.extent.0 * ((out.extent.1 + 7) / 8)):
              if min(8, out.extent.1 - out.t % max((out.extent.1 + 7) / 8, 1) * 8) == 8:
                unrolled(x8) for out.xi in [0, +8):
                  let out.y.v = out.t / max((out.extent.1 + 7) / 8, 1)
                  let out.x.v = out.t % max((out.extent.1 + 7) / 8, 1) * 8 + out.xi
                  out(out.y.v, out.x.v) = input(out.y.v, out.x.v) * 2.0f32 + 1.0f32
              if !(min(8, out.extent.1 - out.t % max((out.extent.1 + 7) / 8, 1) * 8) == 8):
                for out.xi in [0, +min(8, out.extent.1 - out.t % max((out.extent.1 + 7) / 8, 1) * 8)):
                  let out.y.v = out.t / max((out.extent.1 + 7) / 8, 1)
                  let out.x.v = out.t % max((out.extent.1 + 7) / 8, 1) * 8 + out.xi
                  out(out.y.v, out.x.v) = input(out.y.v, out.x.v) * 2.0f32 + 1.0f32
    "#]].assert_eq(brighten_split::loop_nest());
}

/// The start of the shifted tile is a `let` (`out.x.base`) inside the tile loop: the region
/// of `f` is `[out.x.base, +min(8, extent) + 1)`, whose extent has the constant bound 9, so the
/// tile runs as full-tile code with constant loops (`unrolled(x8)`, `f`'s `[0, +9)`).
#[test]
fn shift_inwards_tile_start_is_a_let() {
    expect![[r#"
        kernel shifted_tile
        check input covers [0, max(min(max(min((out.extent.0 as i64 + 7) / 8 * 8, out.extent.0 as i64), 8), max(min(out.extent.0 as i64 + (out.extent.0 as i64 + 7) / 8 * 8 - 8, out.extent.0 as i64 * 2 - 8), out.extent.0 as i64)), max(min((out.extent.0 as i64 + 7) / 8 * 8 - 9, out.extent.0 as i64 - 9), -1))]
        let f.alloc.0 = min(8, out.extent.0 as i64) + 1
        allocate f: f32 over [0, +f.alloc.0)
          if 0 < out.extent.0:
            produce out:
              for out.x in [0, +(out.extent.0 + 7) / 8):
                let out.x.base = max(min(out.x * 8, out.extent.0 - 8), 0)
                let f.min.0 = out.x.base as i64 as i32
                let f.extent.0 = (min(8, out.extent.0 as i64) + 1) as i32
                produce f:
                  for f.x in [f.min.0, +f.extent.0):
                    f(f.x) = input(f.x) * 2.0f32
                if min(8, out.extent.0) == 8:
                  unrolled(x8) for out.xi in [0, +8):
                    let out.x.v = out.x.base + out.xi
                    out(out.x.v) = f(out.x.v) + f(out.x.v + 1)
                if !(min(8, out.extent.0) == 8):
                  for out.xi in [0, +min(8, out.extent.0)):
                    let out.x.v = out.x.base + out.xi
                    out(out.x.v) = f(out.x.v) + f(out.x.v + 1)
    "#]].assert_eq(shifted_tile::loop_nest());
}

#[test]
fn interior_tiles_skip_the_padding() {
    expect![[r#"
        kernel padded_taps
        check input covers [min(input.extent.0 as i64 - 1, 0), max(max(min(max(max(min(min(min((out.extent.0 as i64 + 7) / 8 * 8 - 2, out.extent.0 as i64 + 5), min(out.extent.0 as i64 + (out.extent.0 as i64 + 7) / 8 * 8 - 10, out.extent.0 as i64 * 2 - 3)), min(out.extent.0 as i64 + 7, out.extent.0 as i64 * 2 - 1) - 9), min(8, out.extent.0 as i64) - 2), 0), input.extent.0 as i64 - 1), min(max(max(min(min(min((out.extent.0 as i64 + 7) / 8 * 8 - 1, out.extent.0 as i64 + 6), min(out.extent.0 as i64 + (out.extent.0 as i64 + 7) / 8 * 8 - 9, out.extent.0 as i64 * 2 - 2)), min(out.extent.0 as i64 + 7, out.extent.0 as i64 * 2 - 1) - 8), min(8, out.extent.0 as i64) - 1), 0), input.extent.0 as i64 - 1)), min(max(max(min(min(min((out.extent.0 as i64 + 7) / 8 * 8, out.extent.0 as i64 + 7), min(out.extent.0 as i64 + (out.extent.0 as i64 + 7) / 8 * 8 - 8, out.extent.0 as i64 * 2 - 1)), min(out.extent.0 as i64 + 7, out.extent.0 as i64 * 2 - 1) - 7), min(8, out.extent.0 as i64)), 0), input.extent.0 as i64 - 1))]
        if 0 < out.extent.0:
          produce out:
            for out.x in [0, +(out.extent.0 + 7) / 8):
              let out.x.base = max(min(out.x * 8, out.extent.0 - 8), 0)
              if min(8, out.extent.0) == 8:
                if 0 <= out.x.base as i64 - 1 && out.x.base as i64 + 8 <= 2147483647 && out.x.base as i64 - (input.extent.0 - 1) as i64 + 8 <= 0 && out.x.base as i64 - input.extent.0 as i64 + 8 < 0:
                  unrolled(x8) for out.xi in [0, +8):
                    let out.x.v = out.x.base + out.xi
                    out(out.x.v) = input(out.x.v - 1) + input(out.x.v) + input(out.x.v + 1)
                if !(0 <= out.x.base as i64 - 1 && out.x.base as i64 + 8 <= 2147483647 && out.x.base as i64 - (input.extent.0 - 1) as i64 + 8 <= 0 && out.x.base as i64 - input.extent.0 as i64 + 8 < 0):
                  unrolled(x8) for out.xi in [0, +8):
                    let out.x.v = out.x.base + out.xi
                    out(out.x.v) = select(out.x.v - 1 >= 0 && out.x.v - 1 < input.extent.0, input((out.x.v - 1).clamp(0, input.extent.0 - 1)), 0.0f32) + select(out.x.v >= 0 && out.x.v < input.extent.0, input(out.x.v.clamp(0, input.extent.0 - 1)), 0.0f32) + select(out.x.v + 1 >= 0 && out.x.v + 1 < input.extent.0, input((out.x.v + 1).clamp(0, input.extent.0 - 1)), 0.0f32)
              if !(min(8, out.extent.0) == 8):
                for out.xi in [0, +min(8, out.extent.0)):
                  let out.x.v = out.x.base + out.xi
                  out(out.x.v) = select(out.x.v - 1 >= 0 && out.x.v - 1 < input.extent.0, input((out.x.v - 1).clamp(0, input.extent.0 - 1)), 0.0f32) + select(out.x.v >= 0 && out.x.v < input.extent.0, input(out.x.v.clamp(0, input.extent.0 - 1)), 0.0f32) + select(out.x.v + 1 >= 0 && out.x.v + 1 < input.extent.0, input((out.x.v + 1).clamp(0, input.extent.0 - 1)), 0.0f32)
    "#]].assert_eq(padded_taps::loop_nest());
}

#[test]
fn blur_compute_root() {
    expect![[r#"
        kernel blur3x3
        check input covers [blur_x.min.0 as i64, blur_x.min.0 as i64 + blur_x.extent.0 as i64 - 1] x [blur_x.min.1 as i64, blur_x.min.1 as i64 + blur_x.extent.1 as i64 + 1]
        let blur_x.min.0 = 0
        let blur_x.extent.0 = select(0 < out.extent.0 as i64 && 0 < out.extent.1 as i64, out.extent.0 as i64 + 2, 0) as i32
        let blur_x.min.1 = 0
        let blur_x.extent.1 = select(0 < out.extent.0 as i64 && 0 < out.extent.1 as i64, out.extent.1 as i64, 0) as i32
        let blur_x.alloc.0 = max(blur_x.extent.0 as i64, 0)
        let blur_x.alloc.1 = max(blur_x.extent.1 as i64, 0)
        allocate blur_x: u16 over [0, +blur_x.alloc.0) x [0, +blur_x.alloc.1)
          produce blur_x:
            for blur_x.y in [blur_x.min.0, +blur_x.extent.0):
              for blur_x.x in [blur_x.min.1, +blur_x.extent.1):
                blur_x(blur_x.y, blur_x.x) = (input(blur_x.y, blur_x.x) + input(blur_x.y, blur_x.x + 1) + input(blur_x.y, blur_x.x + 2)) / 3u16
          if 0 < out.extent.0 && 0 < out.extent.1:
            produce out:
              for out.y in [0, +out.extent.0):
                for out.x in [0, +out.extent.1):
                  out(out.y, out.x) = (blur_x(out.y, out.x) + blur_x(out.y + 1, out.x) + blur_x(out.y + 2, out.x)) / 3u16
    "#]]
    .assert_eq(blur3x3::loop_nest());
}

#[test]
fn blur_inlined() {
    expect![[r#"
        kernel blur3x3_inline
        check input covers [0, out.extent.0 as i64 + 1] x [0, out.extent.1 as i64 + 1]
        if 0 < out.extent.0 && 0 < out.extent.1:
          produce out:
            for out.y in [0, +out.extent.0):
              for out.x in [0, +out.extent.1):
                out(out.y, out.x) = ((input(out.y, out.x) + input(out.y, out.x + 1) + input(out.y, out.x + 2)) / 3u16 + (input(out.y + 1, out.x) + input(out.y + 1, out.x + 1) + input(out.y + 1, out.x + 2)) / 3u16 + (input(out.y + 2, out.x) + input(out.y + 2, out.x + 1) + input(out.y + 2, out.x + 2)) / 3u16) / 3u16
    "#]].assert_eq(blur3x3_inline::loop_nest());
}

#[test]
fn boundary_condition_at_root() {
    expect![[r#"
        kernel edge_blur
        check input covers [min(max(bx.min.0 as i64, 0), input.extent.0 as i64 - 1), min(max(bx.min.0 as i64 + bx.extent.0 as i64 - 1, 0), input.extent.0 as i64 - 1)] x [min(min(max(bx.min.1 as i64 - 1, 0), input.extent.1 as i64 - 1), max(bx.min.1 as i64 + 1, 0)), max(min(max(bx.min.1 as i64 + bx.extent.1 as i64 - 2, 0), input.extent.1 as i64 - 1), min(max(bx.min.1 as i64 + bx.extent.1 as i64, 0), input.extent.1 as i64 - 1))]
        let bx.min.0 = -1
        let bx.extent.0 = select(0 < out.extent.0 as i64 && 0 < out.extent.1 as i64, out.extent.0 as i64 + 2, 0) as i32
        let bx.min.1 = 0
        let bx.extent.1 = select(0 < out.extent.0 as i64 && 0 < out.extent.1 as i64, out.extent.1 as i64, 0) as i32
        let bx.alloc.0 = max(bx.extent.0 as i64, 0)
        let bx.alloc.1 = max(bx.extent.1 as i64, 0)
        allocate bx: f32 over [0, +bx.alloc.0) x [0, +bx.alloc.1)
          produce bx:
            for bx.y in [bx.min.0, +bx.extent.0):
              for bx.x in [bx.min.1, +bx.extent.1):
                bx(bx.y, bx.x) = input(bx.y.clamp(0, input.extent.0 - 1), (bx.x - 1).clamp(0, input.extent.1 - 1)) + input(bx.y.clamp(0, input.extent.0 - 1), (bx.x + 1).clamp(0, input.extent.1 - 1))
          if 0 < out.extent.0 && 0 < out.extent.1:
            produce out:
              for out.y in [0, +out.extent.0):
                for out.x in [0, +out.extent.1):
                  out(out.y, out.x) = bx(out.y - 1, out.x) + bx(out.y + 1, out.x)
    "#]].assert_eq(edge_blur::loop_nest());
}

/// The rows a fused loop reads are its own rows: `t / ceil(w / 8)` stays below the height (bounds
/// inference knows the fused loop's outer variable lies in the Func's region), so an input of
/// exactly the output's shape is enough (it once had to be `ceil(w / 8)` times taller).
#[test]
fn a_fused_loop_reads_only_its_rows() {
    for (h, w) in [(4, 20), (1, 1), (3, 64), (5, 9)] {
        let input = Array2::from_shape_fn((h, w), |(y, x)| (y * w + x) as f32);
        let mut out = Array2::<f32>::zeros((h, w));
        brighten_split(input.view(), out.view_mut()).unwrap();
        assert_eq!(out, input.mapv(|v| v * 2.0 + 1.0), "{h}x{w}");
    }
}
