#!/usr/bin/env python3
"""Halide 21's multi-scale interpolation (apps/interpolate: the algorithm with 10 pyramid levels
and its manual CPU schedule) on this machine, for comparison with halite's
`examples/interpolate.rs`. Halide is a tool of this script only, never a dependency of the
crates.

    pip install halide numpy
    python3 scripts/halide_interpolate.py [WIDTH HEIGHT]   # prints the best time in ms
    python3 scripts/halide_interpolate.py --golden         # writes tests/golden/interpolate_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms, natural_vec

LEVELS = 10
VEC = natural_vec()  # as the app: natural_vector_size<float>() (16 with AVX-512)
x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
f32 = hl.f32


def pipeline():
    inp = hl.ImageParam(hl.Float(32), 3, "input")
    inp.dim(2).set_bounds(0, 4)
    down = [hl.Func(f"downsampled_{l}") for l in range(LEVELS)]
    downx = [hl.Func(f"downx_{l}") for l in range(LEVELS)]
    interp = [hl.Func(f"interpolated_{l}") for l in range(LEVELS)]
    up = [hl.Func(f"upsampled_{l}") for l in range(LEVELS)]
    upx = [hl.Func(f"upsampledx_{l}") for l in range(LEVELS)]

    clamped = hl.BoundaryConditions.repeat_edge(inp)
    down[0][x, y, c] = hl.select(c < 3, clamped[x, y, c] * clamped[x, y, 3], clamped[x, y, 3])
    for l in range(1, LEVELS):
        prev = down[l - 1]
        if l == 4:
            # The app's boundary condition at a middle level.
            w = inp.width() // (1 << (l - 1))
            h = inp.height() // (1 << (l - 1))
            clamped_prev = hl.Func(f"clamped_{l}")
            clamped_prev[x, y, c] = prev[hl.clamp(x, 0, w), hl.clamp(y, 0, h), c]
            prev = clamped_prev
        downx[l][x, y, c] = (prev[x * 2 - 1, y, c] + f32(2.0) * prev[x * 2, y, c]
                             + prev[x * 2 + 1, y, c]) * f32(0.25)
        down[l][x, y, c] = (downx[l][x, y * 2 - 1, c] + f32(2.0) * downx[l][x, y * 2, c]
                            + downx[l][x, y * 2 + 1, c]) * f32(0.25)
    interp[LEVELS - 1][x, y, c] = down[LEVELS - 1][x, y, c]
    for l in range(LEVELS - 2, -1, -1):
        upx[l][x, y, c] = (interp[l + 1][x // 2, y, c] + interp[l + 1][(x + 1) // 2, y, c]) / f32(2.0)
        up[l][x, y, c] = (upx[l][x, y // 2, c] + upx[l][x, (y + 1) // 2, c]) / f32(2.0)
        alpha = f32(1.0) - down[l][x, y, 3]
        interp[l][x, y, c] = down[l][x, y, c] + alpha * up[l][x, y, c]
    normalize = hl.Func("normalize")
    normalize[x, y, c] = interp[0][x, y, c] / interp[0][x, y, 3]

    # The app's manual CPU schedule.
    xo, xi, yo, yi = hl.Var("xo"), hl.Var("xi"), hl.Var("yo"), hl.Var("yi")
    for l in range(1, LEVELS - 1):
        down[l].compute_root().reorder(x, c, y).split(y, yo, yi, 8).parallel(yo).vectorize(x, VEC)
    down[0].clone_in(downx[1]).store_at(down[1], yo).compute_at(down[1], yi) \
        .reorder(c, x, y).unroll(c).vectorize(x, VEC)
    normalize.bound(x, 0, inp.width()).bound(y, 0, inp.height()).bound(c, 0, 3) \
        .split(x, xo, xi, VEC).split(y, yo, yi, 32).reorder(xi, c, xo, yi, yo) \
        .unroll(c).vectorize(xi).parallel(yo)
    for l in range(1, LEVELS):
        interp[l].store_at(normalize, yo).compute_at(normalize, yi).vectorize(x, VEC)
    normalize.compile_jit(hl.get_jit_target_from_environment())
    return inp, normalize


def image(w, h):
    """The synthetic test image, planar (c, y, x) as halite indexes it: premultiplication is the
    app's job, so colour is straight; alpha is 1 on a sparse lattice of dots and 0 elsewhere, so
    most pixels are interpolated from the pyramid."""
    c_, yy, xx = np.meshgrid(np.arange(4), np.arange(h), np.arange(w), indexing="ij")
    rgb = ((xx * 37 + yy * 91 + c_ * 1013 + (xx * yy) % 251 * 97) % 1000) / 1000.0
    dots = ((xx % 7 == 3) & (yy % 5 == 2)) | ((xx + 2 * yy) % 23 == 0)
    return np.where(c_ == 3, np.where(dots, 1.0, 0.0), rgb).astype(np.float32)


def run(p, data):
    inp, out = p
    inp.set(hl.Buffer(data))
    res = hl.Buffer(hl.Float(32), [data.shape[2], data.shape[1], 3])
    out.realize(res)
    return res


if __name__ == "__main__":
    p = pipeline()
    if sys.argv[1:] == ["--golden"]:
        data = image(45, 70)
        data.tofile("tests/golden/interpolate_input_4x70x45_f32.bin")
        res = np.asarray(run(p, data))
        np.ascontiguousarray(res).astype("<f4").tofile("tests/golden/interpolate_halide_3x70x45_f32.bin")
        print("wrote tests/golden/interpolate_*.bin")
        sys.exit(0)
    w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1536, 2560)
    data = image(w, h)
    res = run(p, data)
    print(f"{best_ms(lambda: p[1].realize(res), 20):.3f}")
