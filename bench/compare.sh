#!/usr/bin/env bash
# Times airlock against the tools users would pick instead (cdxgen, cyclonedx-py, uv export,
# cargo cyclonedx, cargo audit, picklescan, modelscan, sha256sum) on the corpus projects and the
# example, and writes the `bench:compare` section of docs/PERFORMANCE.md. Not run by CI.
#
# Installs missing peers into a local prefix, never into the repository or the system:
#   $PERF_TOOLS (default: /tmp/perf-tools)/venv     cyclonedx-bom, uv, picklescan, modelscan (pip)
#   $PERF_TOOLS/npm                                @cyclonedx/cdxgen (npm)
#   $PERF_TOOLS/cargo                              cargo-cyclonedx, cargo-audit (cargo install --locked)
# A cargo-audit already on PATH, or $CARGO_AUDIT, is reused. Installing needs the network once;
# the timed runs are offline (cdxgen gets FETCH_LICENSE=false, uv --offline, cargo --offline).
#
# Usage: bench/compare.sh [python|cargo|audit|models|hashing ...]   (default: every task;
# naming tasks prints them without rewriting docs/PERFORMANCE.md)
# Environment: BENCH_RUNS (timed runs per command, default 5), BENCH_TIMEOUT (s per run, 300),
# CARGO_TARGET_DIR (where the release build goes), AIRLOCK_CORPUS (../shared/corpus).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PERF_TOOLS="${PERF_TOOLS:-/tmp/perf-tools}"
export AIRLOCK_CORPUS="${AIRLOCK_CORPUS:-$root/../shared/corpus}"
mkdir -p "$PERF_TOOLS"

venv="$PERF_TOOLS/venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
for pair in cyclonedx-bom:cyclonedx-py uv:uv picklescan:picklescan modelscan:modelscan; do
    package="${pair%%:*}" command="${pair#*:}"
    [ -x "$venv/bin/$command" ] || "$venv/bin/pip" install --quiet "$package" \
        || echo "warning: pip install $package failed; it will be listed as not installed" >&2
done
if [ ! -x "$PERF_TOOLS/npm/node_modules/.bin/cdxgen" ]; then
    npm install --silent --prefix "$PERF_TOOLS/npm" @cyclonedx/cdxgen \
        || echo "warning: npm install @cyclonedx/cdxgen failed" >&2
fi
if [ -z "${CARGO_AUDIT:-}" ]; then
    for candidate in "$(command -v cargo-audit || true)" /work/tools/cargo-audit/bin/cargo-audit \
        "$PERF_TOOLS/cargo/bin/cargo-audit"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then export CARGO_AUDIT="$candidate"; break; fi
    done
fi
# cargo install builds in its own target directory so it never touches the workspace's.
if [ -z "${CARGO_AUDIT:-}" ]; then
    CARGO_TARGET_DIR="$PERF_TOOLS/cargo-build" cargo install --locked --root "$PERF_TOOLS/cargo" cargo-audit \
        && export CARGO_AUDIT="$PERF_TOOLS/cargo/bin/cargo-audit"
fi
if ! command -v cargo-cyclonedx >/dev/null && [ ! -x "$PERF_TOOLS/cargo/bin/cargo-cyclonedx" ]; then
    CARGO_TARGET_DIR="$PERF_TOOLS/cargo-build" cargo install --locked --root "$PERF_TOOLS/cargo" cargo-cyclonedx \
        || echo "warning: cargo install cargo-cyclonedx failed" >&2
fi
rm -rf "$PERF_TOOLS/cargo-build"

cd "$root"
cargo build --release --locked -p scanner-cli
export AIRLOCK="${CARGO_TARGET_DIR:-$root/target}/release/airlock"
python3 "$root/bench/compare.py" "$@"
