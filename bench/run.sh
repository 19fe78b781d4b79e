#!/usr/bin/env bash
# Runs the Cargo.lock extraction benchmark (scanner-core/benches/extract.rs) and reports where
# its results were written. Extra arguments go to `cargo bench`.
# Set CARGO_TARGET_DIR to build outside ./target; set AIRLOCK_CORPUS to bench another corpus.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo bench -p scanner-core --bench extract "$@"

echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:cargo-lock:start --> and <!-- bench:cargo-lock:end -->)"

# uv.lock extraction (scanner-core/benches/uv_lock.rs).
cargo bench -p scanner-core --bench uv_lock "$@"

echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:uv-lock:start --> and <!-- bench:uv-lock:end -->)"
