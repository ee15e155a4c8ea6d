"""Shared by the `scripts/halide_*.py` comparison scripts (found next to them on sys.path)."""
import time

import halide as hl


def natural_vec():
    """`natural_vector_size<float>()` of the JIT target, as the apps' schedules use it: 16 with
    AVX-512, 8 with AVX2."""
    return hl.get_jit_target_from_environment().natural_vector_size(hl.Float(32))


def has_32_vector_registers():
    """What the depthwise app tests to size its register tiles (AVX-512 or 64-bit ARM)."""
    t = hl.get_jit_target_from_environment()
    return t.has_feature(hl.TargetFeature.AVX512_Skylake) or (
        t.arch == hl.TargetArch.ARM and t.bits == 64)


def best_ms(realize, runs):
    """The best time in ms of `runs` calls of `realize()`."""
    best = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        realize()
        best = min(best, time.perf_counter() - t)
    return best * 1e3
