#!/usr/bin/env python3
"""Halide 21's depthwise separable convolution (apps/depthwise_separable_conv: the algorithm
for a channel multiplier of 1, the case the app is tuned and benchmarked for, and its manual
CPU schedule for AVX2) on this machine, for comparison with halite's
`examples/depthwise_separable_conv.rs`. Halide is a tool of this script only.

    pip install halide numpy
    python3 scripts/halide_depthwise_separable_conv.py            # prints the best time in ms
    python3 scripts/halide_depthwise_separable_conv.py --golden   # writes tests/golden/dwsep_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms, has_32_vector_registers, natural_vec


def pipeline():
    inp = hl.ImageParam(hl.Float(32), 4, "input")            # [ci, w, h, n]
    dwf = hl.ImageParam(hl.Float(32), 3, "depthwise_filter")  # [ci, fw, fh]
    pwf = hl.ImageParam(hl.Float(32), 2, "pointwise_filter")  # [co, ci]
    bias = hl.ImageParam(hl.Float(32), 1, "bias")              # [co]
    d, x, y, b = hl.Var("d"), hl.Var("x"), hl.Var("y"), hl.Var("b")
    in_bounds = (x >= 0) & (x < inp.dim(1).extent()) & (y >= 0) & (y < inp.dim(2).extent())
    cx = hl.clamp(x, 0, inp.dim(1).max())
    cy = hl.clamp(y, 0, inp.dim(2).max())
    input_bounded = hl.Func("input_bounded")
    input_bounded[d, x, y, b] = hl.select(in_bounds, inp[d, cx, cy, b], hl.f32(0.0))
    pad_w, pad_h = dwf.dim(1).extent() / 2, dwf.dim(2).extent() / 2
    r = hl.RDom([(0, dwf.dim(1).extent()), (0, dwf.dim(2).extent())])
    rx, ry = r.x, r.y
    depthwise = hl.Func("depthwise_convolved")
    depthwise[d, x, y, b] = hl.f32(0.0)
    depthwise[d, x, y, b] += dwf[d, rx, ry] * input_bounded[d, x + rx - pad_w, y + ry - pad_h, b]
    rc = hl.RDom([(0, pwf.dim(1).extent())])
    pointwise = hl.Func("pointwise_convolved")
    pointwise[d, x, y, b] = bias[d]
    pointwise[d, x, y, b] += pwf[d, rc] * depthwise[rc, x, y, b]
    out = hl.Func("output")
    out[d, x, y, b] = hl.max(pointwise[d, x, y, b], hl.f32(0.0))
    # The app's CPU schedule, with its register tiles for this target.
    vec = natural_vec()
    num_regs = 32 if has_32_vector_registers() else 16
    if num_regs == 32 and vec == 16:
        tile_d, tile_w, tile_h = 1, 6, 4
    elif num_regs == 32 and vec == 4:
        tile_d, tile_w, tile_h = 4, 3, 2
    elif num_regs == 16 and vec == 8:
        tile_d, tile_w, tile_h = 2, 3, 2
    else:
        tile_d, tile_w, tile_h = 4, 2, 1
    tile_d *= vec
    di, xi, yi = hl.Var("di"), hl.Var("xi"), hl.Var("yi")
    ro, ri = hl.RVar("ro"), hl.RVar("ri")
    out.tile([d, x, y], [di, xi, yi], [tile_d, tile_w, tile_h]).vectorize(di).unroll(xi) \
        .unroll(yi).fuse(y, b, b).parallel(b)
    pointwise.compute_at(out, d).vectorize(d).unroll(x).unroll(y)
    pointwise.update().reorder(d, x, y, rc, b).vectorize(d).unroll(x).unroll(y) \
        .split(rc, ro, ri, tile_d)
    depthwise.store_in(hl.MemoryType.Stack).bound_extent(d, tile_d) \
        .compute_at(pointwise, ro).vectorize(d).reorder(x, y, d).unroll(x).unroll(y)
    depthwise.update().vectorize(d).reorder(x, y, d, rx, ry, b).unroll(x).unroll(y)
    input_bounded.store_in(hl.MemoryType.Stack).compute_at(pointwise, ro) \
        .tile(d, x, di, xi, vec, 4, hl.TailStrategy.RoundUp).vectorize(di).unroll(xi)
    ic = pwf.dim(1).extent()
    out.specialize((ic == (ic / 32) * 32) & (dwf.dim(1).extent() == 3) & (dwf.dim(2).extent() == 3))
    out.compile_jit(hl.get_jit_target_from_environment())
    return inp, dwf, pwf, bias, out


def data(n, h, w, ci, co):
    """The test data of halite's example, in its (b, y, x, c) layout."""
    v = lambda k, m: ((k % m) / m - 0.5).astype(np.float32)
    b_, y_, x_, c_ = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), np.arange(ci), indexing="ij")
    inp = v(b_ * 7 + y_ * 13 + x_ * 5 + c_ * 3, 31)
    fy, fx, fc = np.meshgrid(np.arange(3), np.arange(3), np.arange(ci), indexing="ij")
    dw = v(fy * 5 + fx * 3 + fc, 11)
    pc, po = np.meshgrid(np.arange(ci), np.arange(co), indexing="ij")
    pw = v(pc * 7 + po * 3, 13)
    bias = v(np.arange(co), 5)
    return inp, dw, pw, bias


def run(params, out, arrays, co):
    for p, a in zip(params, arrays):
        p.set(hl.Buffer(np.ascontiguousarray(a)))
    n, h, w, _ = arrays[0].shape
    res = hl.Buffer(hl.Float(32), [co, w, h, n])
    out.realize(res)
    return res


if __name__ == "__main__":
    inp, dwf, pwf, bias, out = pipeline()
    params = (inp, dwf, pwf, bias)
    if sys.argv[1:] == ["--golden"]:
        arrays = data(2, 9, 11, 32, 16)
        res = np.asarray(run(params, out, arrays, 16))
        np.ascontiguousarray(res).astype("<f4").tofile("tests/golden/dwsep_halide_2x9x11x16_f32.bin")
        print("wrote tests/golden/dwsep_halide_2x9x11x16_f32.bin", res.shape)
        sys.exit(0)
    arrays = data(4, 112, 112, 32, 16)
    res = run(params, out, arrays, 16)
    print(f"{best_ms(lambda: out.realize(res), 50):.3f}")
