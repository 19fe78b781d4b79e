#!/usr/bin/env bash
# Runs the Cargo.lock and uv.lock extraction benchmarks (hand-written harnesses), then the
# criterion benchmarks of the hot paths, and reports where their results were written. Extra
# arguments go to the hand-written benches' `cargo bench`.
# Set CARGO_TARGET_DIR to build outside ./target; set AIRLOCK_CORPUS to bench another corpus.
# CRITERION_ONLY=1 runs only the criterion part (a few minutes on 2 cores).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${CRITERION_ONLY:-0}" != 1 ]]; then
    cargo bench -p scanner-core --bench extract "$@"

    echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:cargo-lock:start --> and <!-- bench:cargo-lock:end -->)"

    # uv.lock extraction (scanner-core/benches/uv_lock.rs).
    cargo bench -p scanner-core --bench uv_lock "$@"

    echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:uv-lock:start --> and <!-- bench:uv-lock:end -->)"
fi

# Criterion: every extractor and hashing (scanner-core/benches/hot_paths.rs), version ordering,
# range evaluation and lookup (advisories/benches/matching.rs). Both are built before either
# runs, so compiling does not load the machine while measuring. The report keeps only results
# written by this run, and quotes the benches' setup lines (which file, from where, baseline).
cargo bench -p scanner-core --bench hot_paths --no-run
cargo bench -p advisories --bench matching --no-run
started="$(date +%s)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo bench -p scanner-core --bench hot_paths | tee -a "$log"
cargo bench -p advisories --bench matching | tee -a "$log"
python3 bench/criterion-report.py --since "$started" --notes "$log" --load-start "$load_start"
