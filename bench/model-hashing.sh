#!/usr/bin/env bash
# Runs the model-weights hashing benchmark (scanner-core/benches/model_hashing.rs): a 1 GiB file
# hashed by GNU sha256sum and by airlock's streamed SHA-256 in the same run, several files on 2
# cores against one, and peak memory for a small and a large file. Needs about 2.2 GiB free in
# the temporary directory ($TMPDIR). Extra arguments go to `cargo bench`.
# Set CARGO_TARGET_DIR to build outside ./target.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo bench -p scanner-core --bench model_hashing "$@"

echo "report: $(pwd)/docs/PERFORMANCE.md (section between <!-- bench:model-hashing:start --> and <!-- bench:model-hashing:end -->)"
