#!/usr/bin/env bash
# Halide's applications: halite (examples/APP.rs) against Halide 21 (scripts/halide_APP.py, the
# same algorithm with the app's own manual schedule, JIT-compiled) and against the example's
# plain Rust loops (single-threaded), on this machine, alternating halite and Halide, one thread
# first. Needs `pip install halide numpy`.
# Usage: scripts/compare_apps.sh [ROUNDS] [APP..]   (apps: unsharp harris bilateral_grid depthwise_separable_conv local_laplacian interpolate)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
shift || true
APPS=${*:-"unsharp harris bilateral_grid depthwise_separable_conv local_laplacian interpolate"}
for app in $APPS; do cargo build --release --example "$app" -q; done
ratio() { python3 -c "print(round($1/$2, 2))"; }
# Halide's default target lets LLVM contract `a * b + c` into FMA; halite never does (its results
# are IEEE-exact, as `reference`'s). The "strict" columns run Halide with `strict_float`, the same
# semantics as halite.
printf "%-15s %7s %5s %10s %10s %10s %10s %14s %14s %13s\n" app threads round "Halide ms" "strict ms" "halite ms" "plain ms" "halite/Halide" "halite/strict" "plain/halite"
for app in $APPS; do
  plain=$("./target/release/examples/$app" --plain-only)
  for threads in 1 2; do
    for r in $(seq "$ROUNDS"); do
      hal=$(HL_NUM_THREADS=$threads python3 "scripts/halide_$app.py" 2>/dev/null)
      ite=$(RAYON_NUM_THREADS=$threads "./target/release/examples/$app" --halite-only)
      strict=$(HL_JIT_TARGET=host-strict_float HL_NUM_THREADS=$threads python3 "scripts/halide_$app.py" 2>/dev/null)
      printf "%-15s %7s %5s %10s %10s %10s %10s %14s %14s %13s\n" "$app" "$threads" "$r" "$hal" "$strict" "$ite" "$plain" \
        "$(ratio "$ite" "$hal")" "$(ratio "$ite" "$strict")" "$(ratio "$plain" "$ite")"
    done
  done
done
