#!/usr/bin/env python3
"""Halide 21's 3x3 blur (the DESIGN.md algorithm and schedule) on this machine, for comparison
with halite. Halide is a tool of this script only, never a dependency of the crates.

    pip install halide numpy
    python3 scripts/halide_blur.py WIDTH HEIGHT   # prints the best time in ms

Run with HL_NUM_THREADS=1 or 2. `scripts/compare_blur.sh` alternates it with halite's
`examples/blur_bench.rs` and prints the ratios."""
import sys
import numpy as np
import halide as hl
from halide_common import best_ms

w, h = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (2560, 1920)
schedule = sys.argv[3] if len(sys.argv) > 3 else "tiled"
inp = hl.ImageParam(hl.UInt(16), 2, "input")
x, y, xi, yi = hl.Var("x"), hl.Var("y"), hl.Var("xi"), hl.Var("yi")
blur_x, blur_y = hl.Func("blur_x"), hl.Func("blur_y")
blur_x[x, y] = (inp[x, y] + inp[x + 1, y] + inp[x + 2, y]) / 3
blur_y[x, y] = (blur_x[x, y] + blur_x[x, y + 1] + blur_x[x, y + 2]) / 3
if schedule == "tiled":
    blur_y.tile(x, y, xi, yi, 256, 32).vectorize(xi, 16).parallel(y)
    blur_x.compute_at(blur_y, x).vectorize(x, 16)
target = hl.get_jit_target_from_environment()
blur_y.compile_jit(target)
data = ((np.arange(h + 2)[:, None] * 31 + np.arange(w + 2)[None, :] * 17) % 4096).astype(np.uint16)
inp.set(hl.Buffer(data))
out = hl.Buffer(hl.UInt(16), [w, h])
blur_y.realize(out)
best = best_ms(lambda: blur_y.realize(out), 100)
# Check against numpy (exact integer arithmetic, u16 wrap-around as in the algorithm).
d = data.astype(np.uint32)
bx = ((d[:, :-2] + d[:, 1:-1] + d[:, 2:]) & 0xFFFF) // 3
ref = ((bx[:-2] + bx[1:-1] + bx[2:]) & 0xFFFF) // 3
assert (np.asarray(out) == ref[:h, :w].astype(np.uint16)).all(), "Halide result differs"
print(f"{best:.3f}")
