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

#[test]
fn blur_compute_root() {
    expect![[r#"
        kernel blur3x3
        check input covers [0, out.extent.0 as i64 + 1] x [0, out.extent.1 as i64 + 1] (read by blur_x)
        let blur_x.min.0 = 0
        let blur_x.extent.0 = select(0 < out.extent.0 && 0 < out.extent.1, out.extent.0 as i64 + 2, 0) as i32
        let blur_x.min.1 = 0
        let blur_x.extent.1 = select(0 < out.extent.0 && 0 < out.extent.1, out.extent.1 as i64, 0) as i32
        allocate blur_x: u16 over [blur_x.min.0, +blur_x.extent.0) x [blur_x.min.1, +blur_x.extent.1)
          produce blur_x:
            for blur_x.y in [blur_x.min.0, +blur_x.extent.0):
              for blur_x.x in [blur_x.min.1, +blur_x.extent.1):
                blur_x(blur_x.y, blur_x.x) = (input(blur_x.y, blur_x.x) + input(blur_x.y, blur_x.x + 1) + input(blur_x.y, blur_x.x + 2)) / 3u16
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
        check input covers [0, out.extent.0 as i64 + 1] x [0, out.extent.1 as i64 + 1] (read by out)
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
        check input covers [min(0, input.extent.0 as i64 - 1), min(max(out.extent.0 as i64, 0), input.extent.0 as i64 - 1)] x [min(0, input.extent.1 as i64 - 1), max(min(max(out.extent.1 as i64 - 2, 0), input.extent.1 as i64 - 1), min(max(out.extent.1 as i64, 0), input.extent.1 as i64 - 1))] (read by bx)
        let bx.min.0 = -1
        let bx.extent.0 = select(0 < out.extent.0 && 0 < out.extent.1, out.extent.0 as i64 + 2, 0) as i32
        let bx.min.1 = 0
        let bx.extent.1 = select(0 < out.extent.0 && 0 < out.extent.1, out.extent.1 as i64, 0) as i32
        allocate bx: f32 over [bx.min.0, +bx.extent.0) x [bx.min.1, +bx.extent.1)
          produce bx:
            for bx.y in [bx.min.0, +bx.extent.0):
              for bx.x in [bx.min.1, +bx.extent.1):
                bx(bx.y, bx.x) = input(bx.y.clamp(0, input.extent.0 - 1), (bx.x - 1).clamp(0, input.extent.1 - 1)) + input(bx.y.clamp(0, input.extent.0 - 1), (bx.x + 1).clamp(0, input.extent.1 - 1))
          produce out:
            for out.y in [0, +out.extent.0):
              for out.x in [0, +out.extent.1):
                out(out.y, out.x) = bx(out.y - 1, out.x) + bx(out.y + 1, out.x)
    "#]].assert_eq(edge_blur::loop_nest());
}
