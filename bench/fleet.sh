#!/usr/bin/env bash
# Fleet runs (issue 24): 1,000 generated projects (bench/gen-fleet.py) scanned by one
# `airlock scan --report-dir DIR --jobs 2` process against one database imported from the
# corpus advisories, and by 1,000 separate `airlock scan` processes in the same run; throughput
# and peak memory per process. Writes the `bench:fleet` section of docs/PERFORMANCE.md. Not run
# by CI. Needs GNU time, about 300 MB of scratch disk (deleted at the end), and the corpus.
# Environment: BENCH_FLEET_COUNT (1000), BENCH_FLEET_JOBS (2), AIRLOCK_CORPUS
# (../shared/corpus), CARGO_TARGET_DIR, BENCH_FLEET_WRITE=0 (print only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ! -x /usr/bin/time ]]; then
    echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi
cargo build --release --locked -p scanner-cli
export AIRLOCK="${CARGO_TARGET_DIR:-$root/target}/release/airlock"
python3 "$root/bench/fleet.py"
