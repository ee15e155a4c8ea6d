#!/usr/bin/env python3
"""Halide 21's local Laplacian filter (apps/local_laplacian: the algorithm with 8 pyramid levels
and its manual CPU schedule) on this machine, for comparison with halite's
`examples/local_laplacian.rs`. Halide is a tool of this script only, never a dependency of the
crates.

    pip install halide numpy
    python3 scripts/halide_local_laplacian.py [WIDTH HEIGHT]   # prints the best time in ms
    python3 scripts/halide_local_laplacian.py --golden         # writes tests/golden/local_laplacian_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms

J = 8
x, y, c, k = hl.Var("x"), hl.Var("y"), hl.Var("c"), hl.Var("k")
f32 = hl.f32


def downsample(f):
    downx, downy = hl.Func("downx"), hl.Func("downy")
    downx[x, y, hl._] = (f[2 * x - 1, y, hl._] + f32(3.0) * (f[2 * x, y, hl._] + f[2 * x + 1, y, hl._])
                         + f[2 * x + 2, y, hl._]) / f32(8.0)
    downy[x, y, hl._] = (downx[x, 2 * y - 1, hl._] + f32(3.0) * (downx[x, 2 * y, hl._] + downx[x, 2 * y + 1, hl._])
                         + downx[x, 2 * y + 2, hl._]) / f32(8.0)
    return downy


def upsample(f):
    upx, upy = hl.Func("upx"), hl.Func("upy")
    upx[x, y, hl._] = f32(0.25) * f[(x // 2) - 1 + 2 * (x % 2), y, hl._] + f32(0.75) * f[x // 2, y, hl._]
    upy[x, y, hl._] = f32(0.25) * upx[x, (y // 2) - 1 + 2 * (y % 2), hl._] + f32(0.75) * upx[x, y // 2, hl._]
    return upy


def pipeline():
    inp = hl.ImageParam(hl.UInt(16), 3, "input")
    levels = hl.Param(hl.Int(32), "levels")
    alpha = hl.Param(hl.Float(32), "alpha")
    beta = hl.Param(hl.Float(32), "beta")

    remap = hl.Func("remap")
    fx = hl.cast(hl.Float(32), x) / f32(256.0)
    remap[x] = alpha * fx * hl.exp(-fx * fx / f32(2.0))

    clamped = hl.BoundaryConditions.repeat_edge(inp)
    floating = hl.Func("floating")
    floating[x, y, c] = clamped[x, y, c] / f32(65535.0)
    gray = hl.Func("gray")
    gray[x, y] = f32(0.299) * floating[x, y, 0] + f32(0.587) * floating[x, y, 1] + f32(0.114) * floating[x, y, 2]

    g_pyr = [hl.Func(f"gPyramid{j}") for j in range(J)]
    level = k * (f32(1.0) / hl.cast(hl.Float(32), levels - 1))
    idx = gray[x, y] * hl.cast(hl.Float(32), levels - 1) * f32(256.0)
    idx = hl.clamp(hl.cast(hl.Int(32), idx), 0, (levels - 1) * 256)
    g_pyr[0][x, y, k] = beta * (gray[x, y] - level) + level + remap[idx - 256 * k]
    for j in range(1, J):
        g_pyr[j][x, y, k] = downsample(g_pyr[j - 1])[x, y, k]

    l_pyr = [hl.Func(f"lPyramid{j}") for j in range(J)]
    l_pyr[J - 1][x, y, k] = g_pyr[J - 1][x, y, k]
    for j in range(J - 2, -1, -1):
        l_pyr[j][x, y, k] = g_pyr[j][x, y, k] - upsample(g_pyr[j + 1])[x, y, k]

    in_g = [hl.Func(f"inGPyramid{j}") for j in range(J)]
    in_g[0][x, y] = gray[x, y]
    for j in range(1, J):
        in_g[j][x, y] = downsample(in_g[j - 1])[x, y]

    out_l = [hl.Func(f"outLPyramid{j}") for j in range(J)]
    for j in range(J):
        lv = in_g[j][x, y] * hl.cast(hl.Float(32), levels - 1)
        li = hl.clamp(hl.cast(hl.Int(32), lv), 0, levels - 2)
        lf = lv - hl.cast(hl.Float(32), li)
        out_l[j][x, y] = (f32(1.0) - lf) * l_pyr[j][x, y, li] + lf * l_pyr[j][x, y, li + 1]

    out_g = [hl.Func(f"outGPyramid{j}") for j in range(J)]
    out_g[J - 1][x, y] = out_l[J - 1][x, y]
    for j in range(J - 2, -1, -1):
        out_g[j][x, y] = upsample(out_g[j + 1])[x, y] + out_l[j][x, y]

    color = hl.Func("color")
    eps = f32(0.01)
    color[x, y, c] = out_g[0][x, y] * (floating[x, y, c] + eps) / (gray[x, y] + eps)
    output = hl.Func("output")
    output[x, y, c] = hl.cast(hl.UInt(16), hl.clamp(color[x, y, c], f32(0.0), f32(1.0)) * f32(65535.0))

    # The app's manual CPU schedule.
    remap.compute_root()
    yo = hl.Var("yo")
    output.reorder(c, x, y).split(y, yo, y, 64).parallel(yo).vectorize(x, 8)
    gray.compute_root().parallel(y, 32).vectorize(x, 8)
    for j in range(1, 5):
        in_g[j].compute_root().parallel(y, 32).vectorize(x, 8)
        g_pyr[j].compute_root().reorder_storage(x, k, y).reorder(k, y).parallel(y, 8).vectorize(x, 8)
        out_g[j].store_at(output, yo).compute_at(output, y).fold_storage(y, 8).vectorize(x, 8)
    out_g[0].compute_at(output, y).vectorize(x, 8)
    for j in range(5, J):
        in_g[j].compute_root()
        g_pyr[j].compute_root().parallel(k)
        out_g[j].compute_root()
    output.compile_jit(hl.get_jit_target_from_environment())
    return inp, levels, alpha, beta, output


def image(w, h):
    """The synthetic test image, planar (c, y, x) as halite indexes it."""
    c_, yy, xx = np.meshgrid(np.arange(3), np.arange(h), np.arange(w), indexing="ij")
    return ((xx * 37 + yy * 91 + c_ * 1013 + (xx * yy) % 251 * 97) % 65536).astype(np.uint16)


def run(p, data, lv=8, a=1.0, b=1.0):
    inp, levels, alpha, beta, out = p
    inp.set(hl.Buffer(data))
    levels.set(lv)
    alpha.set(a)
    beta.set(b)
    res = hl.Buffer(hl.UInt(16), [data.shape[2], data.shape[1], 3])
    out.realize(res)
    return res


if __name__ == "__main__":
    p = pipeline()
    if sys.argv[1:] == ["--golden"]:
        data = image(45, 70)
        data.tofile("tests/golden/local_laplacian_input_3x70x45_u16.bin")
        for (lv, a, b, tag) in [(8, 1.0, 1.0, "8_1_1"), (4, 2.0, 0.5, "4_2_0.5")]:
            res = np.asarray(run(p, data, lv, a, b))
            np.ascontiguousarray(res).astype("<u2").tofile(
                f"tests/golden/local_laplacian_halide_{tag}_3x70x45_u16.bin")
        print("wrote tests/golden/local_laplacian_*.bin")
        sys.exit(0)
    w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1536, 2560)
    data = image(w, h)
    res = run(p, data)
    print(f"{best_ms(lambda: p[4].realize(res), 10):.3f}")
