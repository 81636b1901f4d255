#!/usr/bin/env bash
# Benchmarks `eksposture audit` against generated moto accounts at 1x and 2x
# scale, without and with 50 ms of added latency, and times `--version`.
# Prints each figure beside its target (PASS/MISS); exits 0 whenever it ran.
#
#   bench/run.sh                      # build (release), then everything
#   bench/run.sh --skip-build --scales 1 --latency-ms 0
#   bench/run.sh --bin path/to/eksposture --latency-ms 50 --json figures.json
#
# Options: --scales 1,2  --latency-ms 0,50 (0 = no proxy)  --skip-build
#          --bin PATH  --seed N  --version-runs N  --json FILE  --keep
# The release build honours CARGO_TARGET_DIR (default
# ~/.cache/eksposture/target); a cold build takes ~12 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(scripts/setup-moto.sh)"
exec "$PY" bench/bench.py --python "$PY" "$@"
