#!/usr/bin/env bash
# halite's SGEMM (examples/matmul.rs) vs numpy's matmul (OpenBLAS) on this machine, alternating
# the two, one thread first. Needs `pip install numpy`. Prints GFLOP/s and halite/numpy.
# Usage: scripts/compare_sgemm.sh [N...]   (default: 1024 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-1024 2048}
cargo build --release --example matmul -q
for threads in 1 2; do
  for n in $SIZES; do
    for round in 1 2 3; do
      np=$(OPENBLAS_NUM_THREADS=$threads python3 -c "
import numpy as np, time
n = $n
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
a @ b
print(min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5)) * 1e3)")
      hl=$(RAYON_NUM_THREADS=$threads ./target/release/examples/matmul "$n" --halite-only)
      python3 -c "
n, np_ms, hl_ms = $n, $np, $hl
g = lambda ms: 2 * n**3 / (ms / 1e3) / 1e9
print(f'threads={$threads} n={n} round=$round numpy {np_ms:.2f} ms {g(np_ms):.1f} GFLOP/s  halite {hl_ms:.2f} ms {g(hl_ms):.1f} GFLOP/s  halite/numpy speed {np_ms / hl_ms:.2f}')"
    done
  done
done
