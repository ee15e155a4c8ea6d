#!/usr/bin/env bash
# Halide's applications: halite (examples/APP.rs) against Halide 21 (scripts/halide_APP.py, the
# same algorithm with the app's own manual schedule, JIT-compiled) on this machine, alternating
# the two, one thread first. Needs `pip install halide numpy`.
# Usage: scripts/compare_apps.sh [ROUNDS]      (apps so far: unsharp, harris)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
APPS="unsharp harris"
for app in $APPS; do cargo build --release --example "$app" -q; done
printf "%-10s %7s %5s %12s %12s %16s\n" app threads round "Halide ms" "halite ms" "halite/Halide"
for app in $APPS; do
  for threads in 1 2; do
    for r in $(seq "$ROUNDS"); do
      hal=$(HL_NUM_THREADS=$threads python3 "scripts/halide_$app.py" 2>/dev/null)
      ite=$(RAYON_NUM_THREADS=$threads "./target/release/examples/$app" --halite-only)
      printf "%-10s %7s %5s %12s %12s %16s\n" "$app" "$threads" "$r" "$hal" "$ite" "$(python3 -c "print(round($ite/$hal, 2))")"
    done
  done
done
