#!/usr/bin/env python3
"""Halide 21's bilateral grid (apps/bilateral_grid: the algorithm and its manual CPU schedule)
on this machine, for comparison with halite's `examples/bilateral_grid.rs`. Halide is a tool of
this script only, never a dependency of the crates.

    pip install halide numpy
    python3 scripts/halide_bilateral_grid.py [WIDTH HEIGHT]   # prints the best time in ms
    python3 scripts/halide_bilateral_grid.py --golden         # writes tests/golden/bilateral_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms

S_SIGMA = 8
R_SIGMA = 0.1


def pipeline():
    inp = hl.ImageParam(hl.Float(32), 2, "input")
    r_sigma = hl.Param(hl.Float(32), "r_sigma")
    x, y, z, c = hl.Var("x"), hl.Var("y"), hl.Var("z"), hl.Var("c")
    s = S_SIGMA
    clamped = hl.BoundaryConditions.repeat_edge(inp)
    r = hl.RDom([(0, s), (0, s)])
    val = clamped[x * s + r.x - s // 2, y * s + r.y - s // 2]
    val = hl.clamp(val, hl.f32(0.0), hl.f32(1.0))
    zi = hl.i32(val * (hl.f32(1.0) / r_sigma) + hl.f32(0.5))
    histogram = hl.Func("histogram")
    histogram[x, y, z, c] = hl.f32(0.0)
    histogram[x, y, zi, c] += hl.mux(c, [val, hl.f32(1.0)])
    blurz, blurx, blury = hl.Func("blurz"), hl.Func("blurx"), hl.Func("blury")
    blurz[x, y, z, c] = (histogram[x, y, z - 2, c] + histogram[x, y, z - 1, c] * 4
                         + histogram[x, y, z, c] * 6 + histogram[x, y, z + 1, c] * 4
                         + histogram[x, y, z + 2, c])
    blurx[x, y, z, c] = (blurz[x - 2, y, z, c] + blurz[x - 1, y, z, c] * 4 + blurz[x, y, z, c] * 6
                         + blurz[x + 1, y, z, c] * 4 + blurz[x + 2, y, z, c])
    blury[x, y, z, c] = (blurx[x, y - 2, z, c] + blurx[x, y - 1, z, c] * 4 + blurx[x, y, z, c] * 6
                         + blurx[x, y + 1, z, c] * 4 + blurx[x, y + 2, z, c])
    val = hl.clamp(inp[x, y], hl.f32(0.0), hl.f32(1.0))
    zv = val * (hl.f32(1.0) / r_sigma)
    zi = hl.i32(zv)
    zf = zv - zi
    xf = hl.f32(x % s) / s
    yf = hl.f32(y % s) / s
    xi, yi = x / s, y / s
    interpolated = hl.Func("interpolated")
    interpolated[x, y, c] = hl.lerp(
        hl.lerp(hl.lerp(blury[xi, yi, zi, c], blury[xi + 1, yi, zi, c], xf),
                hl.lerp(blury[xi, yi + 1, zi, c], blury[xi + 1, yi + 1, zi, c], xf), yf),
        hl.lerp(hl.lerp(blury[xi, yi, zi + 1, c], blury[xi + 1, yi, zi + 1, c], xf),
                hl.lerp(blury[xi, yi + 1, zi + 1, c], blury[xi + 1, yi + 1, zi + 1, c], xf), yf),
        zf)
    out = hl.Func("bilateral_grid")
    out[x, y] = interpolated[x, y, 0] / interpolated[x, y, 1]
    # The app's manual CPU schedule.
    blurz.compute_at(blurx, y).reorder(c, z, x, y).vectorize(x, 8).unroll(c)
    histogram.compute_at(blurz, y)
    histogram.update().reorder(c, r.x, r.y, x, y).unroll(c)
    blurx.compute_root().reorder(c, x, z, y).parallel(y).vectorize(x, 8).unroll(c)
    blury.compute_at(out, y).store_in(hl.MemoryType.Stack).reorder(c, x, y, z) \
        .reorder_storage(c, z, x, y).vectorize(x, 8).unroll(c)
    out.compute_root().parallel(y, 8).vectorize(x, 8)
    out.compile_jit(hl.get_jit_target_from_environment())
    return inp, r_sigma, out


def image(w, h):
    """The synthetic test image, (y, x) as halite indexes it: values in [0, 1)."""
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    return (((xx * 7 + yy * 13 + (xx * yy) % 11) % 97) / 97.0).astype(np.float32)


def run(inp, r_sigma, out, data):
    inp.set(hl.Buffer(data))
    r_sigma.set(R_SIGMA)
    res = hl.Buffer(hl.Float(32), [data.shape[1], data.shape[0]])
    out.realize(res)
    return res


if __name__ == "__main__":
    inp, r_sigma, out = pipeline()
    if sys.argv[1:] == ["--golden"]:
        data = image(45, 37)
        res = np.asarray(run(inp, r_sigma, out, data))
        data.tofile("tests/golden/bilateral_input_37x45_f32.bin")
        np.ascontiguousarray(res).astype("<f4").tofile("tests/golden/bilateral_halide_37x45_f32.bin")
        print("wrote tests/golden/bilateral_{input,halide}_37x45_f32.bin", res.shape)
        sys.exit(0)
    w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1536, 2560)
    data = image(w, h)
    res = run(inp, r_sigma, out, data)
    print(f"{best_ms(lambda: out.realize(res), 20):.3f}")
