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
printf "%-15s %7s %5s %10s %10s %10s %14s %13s\n" app threads round "Halide ms" "halite ms" "plain ms" "halite/Halide" "plain/halite"
for app in $APPS; do
  plain=$("./target/release/examples/$app" --plain-only)
  for threads in 1 2; do
    for r in $(seq "$ROUNDS"); do
      hal=$(HL_NUM_THREADS=$threads python3 "scripts/halide_$app.py" 2>/dev/null)
      ite=$(RAYON_NUM_THREADS=$threads "./target/release/examples/$app" --halite-only)
      printf "%-15s %7s %5s %10s %10s %10s %14s %13s\n" "$app" "$threads" "$r" "$hal" "$ite" "$plain" \
        "$(ratio "$ite" "$hal")" "$(ratio "$plain" "$ite")"
    done
  done
done
