#!/usr/bin/env bash
# The scale curve (1x, 10x, 100x synthetic monorepos) and the memory target (2,000 packages plus
# a 10 GiB sparse model folder) of airlock's release build; writes the `bench:scale` section of
# docs/PERFORMANCE.md. Not run by CI. Needs about 200 MB of disk (weights are sparse files) and
# deletes every generated tree when done. Environment: BENCH_RUNS (default 3), BENCH_SCALES
# (default "1 10 100"), CARGO_TARGET_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release --locked -p scanner-cli
export AIRLOCK="${CARGO_TARGET_DIR:-$root/target}/release/airlock"
python3 "$root/bench/scale.py"
