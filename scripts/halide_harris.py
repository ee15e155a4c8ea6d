#!/usr/bin/env python3
"""Halide 21's Harris corner detector (apps/harris: the algorithm and its manual CPU schedule)
on this machine, for comparison with halite's `examples/harris.rs`. Halide is a tool of this
script only, never a dependency of the crates.

    pip install halide numpy
    python3 scripts/halide_harris.py [WIDTH HEIGHT]   # prints the best time in ms
    python3 scripts/halide_harris.py --golden         # writes tests/golden/harris_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms, natural_vec


def sum3x3(f, x, y):
    return (f[x - 1, y - 1] + f[x - 1, y] + f[x - 1, y + 1] + f[x, y - 1] + f[x, y] + f[x, y + 1]
            + f[x + 1, y - 1] + f[x + 1, y] + f[x + 1, y + 1])


def pipeline():
    inp = hl.ImageParam(hl.Float(32), 3, "input")
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.f32
    gray = hl.Func("gray")
    gray[x, y] = f(0.299) * inp[x, y, 0] + f(0.587) * inp[x, y, 1] + f(0.114) * inp[x, y, 2]
    iy = hl.Func("Iy")
    iy[x, y] = (gray[x - 1, y - 1] * f(-1.0 / 12) + gray[x - 1, y + 1] * f(1.0 / 12)
                + gray[x, y - 1] * f(-2.0 / 12) + gray[x, y + 1] * f(2.0 / 12)
                + gray[x + 1, y - 1] * f(-1.0 / 12) + gray[x + 1, y + 1] * f(1.0 / 12))
    ix = hl.Func("Ix")
    ix[x, y] = (gray[x - 1, y - 1] * f(-1.0 / 12) + gray[x + 1, y - 1] * f(1.0 / 12)
                + gray[x - 1, y] * f(-2.0 / 12) + gray[x + 1, y] * f(2.0 / 12)
                + gray[x - 1, y + 1] * f(-1.0 / 12) + gray[x + 1, y + 1] * f(1.0 / 12))
    ixx, iyy, ixy = hl.Func("Ixx"), hl.Func("Iyy"), hl.Func("Ixy")
    ixx[x, y] = ix[x, y] * ix[x, y]
    iyy[x, y] = iy[x, y] * iy[x, y]
    ixy[x, y] = ix[x, y] * iy[x, y]
    sxx, syy, sxy = hl.Func("Sxx"), hl.Func("Syy"), hl.Func("Sxy")
    sxx[x, y] = sum3x3(ixx, x, y)
    syy[x, y] = sum3x3(iyy, x, y)
    sxy[x, y] = sum3x3(ixy, x, y)
    det, trace, harris = hl.Func("det"), hl.Func("trace"), hl.Func("harris")
    det[x, y] = sxx[x, y] * syy[x, y] - sxy[x, y] * sxy[x, y]
    trace[x, y] = sxx[x, y] + syy[x, y]
    harris[x, y] = det[x, y] - f(0.04) * trace[x, y] * trace[x, y]
    out = hl.Func("output")
    out[x, y] = harris[x + 2, y + 2]
    # The app's manual CPU schedule.
    yi = hl.Var("yi")
    vec = natural_vec()  # as the app: natural_vector_size<float>()
    out.split(y, y, yi, 32).parallel(y).vectorize(x, vec)
    ix.store_at(out, y).compute_at(out, yi).vectorize(x, vec)
    iy.store_at(out, y).compute_at(out, yi).vectorize(x, vec)
    ix.compute_with(iy, x)
    out.compile_jit(hl.get_jit_target_from_environment())
    return inp, out


def image(w, h):
    """The synthetic test image, planar (c, y, x) as halite indexes it."""
    c, yy, xx = np.meshgrid(np.arange(3), np.arange(h), np.arange(w), indexing="ij")
    return (((xx * 7 + yy * 13 + c * 29 + (xx * yy) % 11) % 97) / 97.0).astype(np.float32)


def run(inp, out, data):
    inp.set(hl.Buffer(data))
    res = hl.Buffer(hl.Float(32), [data.shape[2] - 6, data.shape[1] - 6])
    out.realize(res)
    return res


if __name__ == "__main__":
    inp, out = pipeline()
    if sys.argv[1:] == ["--golden"]:
        data = image(31, 40)
        res = np.asarray(run(inp, out, data))
        data.tofile("tests/golden/harris_input_3x40x31_f32.bin")
        np.ascontiguousarray(res).astype("<f4").tofile("tests/golden/harris_halide_34x25_f32.bin")
        print("wrote tests/golden/harris_{input_3x40x31,halide_34x25}_f32.bin", res.shape)
        sys.exit(0)
    w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1536, 2560)
    data = image(w, h)
    res = run(inp, out, data)
    print(f"{best_ms(lambda: out.realize(res), 20):.3f}")
