"""Shared by the `scripts/halide_*.py` comparison scripts (found next to them on sys.path)."""
import time


def best_ms(realize, runs):
    """The best time in ms of `runs` calls of `realize()`."""
    best = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        realize()
        best = min(best, time.perf_counter() - t)
    return best * 1e3
