#!/usr/bin/env python3
"""Halide 21's unsharp mask (apps/unsharp: the algorithm and its manual CPU schedule) on this
machine, for comparison with halite's `examples/unsharp.rs`. Halide is a tool of this script
only, never a dependency of the crates.

    pip install halide numpy
    python3 scripts/halide_unsharp.py [WIDTH HEIGHT]   # prints the best time in ms
    python3 scripts/halide_unsharp.py --golden         # writes tests/golden/unsharp_*.bin

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_apps.sh` alternates it with halite."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms, natural_vec


def pipeline():
    sigma = 1.5
    k_pi = 3.14159265358979310000
    inp = hl.ImageParam(hl.Float(32), 3, "input")
    x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
    kernel = hl.Func("kernel")
    kernel[x] = hl.exp(-x * x / (2 * sigma * sigma)) / (np.float32(np.sqrt(2 * k_pi)) * sigma)
    bounded = hl.BoundaryConditions.repeat_edge(inp)
    gray = hl.Func("gray")
    gray[x, y] = hl.f32(0.299) * bounded[x, y, 0] + hl.f32(0.587) * bounded[x, y, 1] + hl.f32(0.114) * bounded[x, y, 2]
    blur_y = hl.Func("blur_y")
    blur_y[x, y] = (kernel[0] * gray[x, y]
                    + kernel[1] * (gray[x, y - 1] + gray[x, y + 1])
                    + kernel[2] * (gray[x, y - 2] + gray[x, y + 2])
                    + kernel[3] * (gray[x, y - 3] + gray[x, y + 3]))
    blur_x = hl.Func("blur_x")
    blur_x[x, y] = (kernel[0] * blur_y[x, y]
                    + kernel[1] * (blur_y[x - 1, y] + blur_y[x + 1, y])
                    + kernel[2] * (blur_y[x - 2, y] + blur_y[x + 2, y])
                    + kernel[3] * (blur_y[x - 3, y] + blur_y[x + 3, y]))
    sharpen = hl.Func("sharpen")
    sharpen[x, y] = 2 * gray[x, y] - blur_x[x, y]
    ratio = hl.Func("ratio")
    ratio[x, y] = sharpen[x, y] / gray[x, y]
    out = hl.Func("output")
    out[x, y, c] = ratio[x, y] * inp[x, y, c]
    # The app's manual CPU schedule.
    yo, yi = hl.Var("yo"), hl.Var("yi")
    vec = natural_vec()  # as the app: natural_vector_size<float>()
    out.split(y, yo, yi, 32).vectorize(x, vec).parallel(yo).reorder(x, c, yi, yo)
    gray.compute_at(out, yi).store_at(out, yo).vectorize(x, vec)
    blur_y.compute_at(out, yi).store_at(out, yo).vectorize(x, vec)
    ratio.compute_at(out, yi).store_at(out, yo).vectorize(x, vec)
    out.compile_jit(hl.get_jit_target_from_environment())
    return inp, out


def image(w, h):
    """The synthetic test image, planar (c, y, x) as halite indexes it: values in (0, 1]."""
    c, yy, xx = np.meshgrid(np.arange(3), np.arange(h), np.arange(w), indexing="ij")
    return (((xx * 7 + yy * 13 + c * 29) % 97) / 97.0 + 0.01).astype(np.float32)


def run(inp, out, data):
    # Halide's x is innermost: a numpy (c, y, x) array is a Halide (x, y, c) buffer.
    inp.set(hl.Buffer(data))
    res = hl.Buffer(hl.Float(32), [data.shape[2], data.shape[1], 3])
    out.realize(res)
    return res


if __name__ == "__main__":
    inp, out = pipeline()
    if sys.argv[1:] == ["--golden"]:
        data = image(29, 37)
        res = np.asarray(run(inp, out, data))  # shape as numpy sees the buffer
        data.tofile("tests/golden/unsharp_input_3x37x29_f32.bin")
        np.ascontiguousarray(res).astype("<f4").tofile("tests/golden/unsharp_halide_3x37x29_f32.bin")
        print("wrote tests/golden/unsharp_{input,halide}_3x37x29_f32.bin", res.shape)
        sys.exit(0)
    w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1536, 2560)
    data = image(w, h)
    res = run(inp, out, data)
    print(f"{best_ms(lambda: out.realize(res), 20):.3f}")
