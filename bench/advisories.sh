#!/usr/bin/env bash
# Runs the advisory database benchmark (advisories/benches/import.rs): import rate and peak
# memory on the shared advisory corpus and on a generated 200,000-advisory archive, and the time
# of one package lookup. Extra arguments go to `cargo bench`.
# Set CARGO_TARGET_DIR to build outside ./target; set AIRLOCK_ADVISORY_CORPUS to bench another
# corpus directory.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo bench -p advisories --bench import "$@"

echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:advisories:start --> and <!-- bench:advisories:end -->)"
