#!/usr/bin/env bash
# halite vs Halide 21 on the DESIGN.md blur, same machine, alternating the two, single thread
# first. Needs `pip install halide numpy`. Usage: scripts/compare_blur.sh [WIDTH HEIGHT [ROUNDS]]
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-2560}; H=${2:-1920}; ROUNDS=${3:-3}
cargo build --release --example blur_bench -q
for threads in 1 2; do
  for r in $(seq "$ROUNDS"); do
    hal=$(HL_NUM_THREADS=$threads python3 scripts/halide_blur.py "$W" "$H")
    ite=$(./target/release/examples/blur_bench "$W" "$H" "$threads")
    echo "threads=$threads round=$r halide_ms=$hal halite_ms=$ite ratio_halite_over_halide=$(python3 -c "print(round($ite/$hal, 2))")"
  done
done
