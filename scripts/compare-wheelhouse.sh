#!/usr/bin/env bash
# Checks `airlock verify --lock` against pip on a real wheelhouse: resolves a dozen packages
# from the package index, writes a requirements file that pins each with the SHA-256 of the
# file pip chose, lets pip itself download them again with `pip download --require-hashes -r
# requirements.txt` into a fresh folder, and checks that folder with airlock (exit 0 expected).
# Then the three mutations of issue 20: one wheel removed (missing), one unlocked wheel added
# (unlocked), one wheel replaced by another version of the same package (wrong-version); each
# must exit 1 with exactly that line. Times each run. Needs the network (the package index);
# the test suite uses the offline fixture tests/fixtures/lock-verify/ instead.
#
# Usage: compare-wheelhouse.sh AIRLOCK [WORK_DIRECTORY]
# Environment: PYTHON (default python3), PACKAGES (default: the dozen below), EXTRA (the
# package added, default tomli==2.0.1), OTHER (the version swapped in, default six==1.15.0,
# replacing the six the resolver picked)
# Exit status: 0 when airlock agrees with pip and each mutation gives its one line; 1
# otherwise; 2 on a usage error.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
airlock="$(realpath "$1")"
[ -x "$airlock" ] || { echo "error: $airlock is not an executable" >&2; exit 2; }
python="${PYTHON:-python3}"
packages="${PACKAGES:-requests urllib3 idna certifi charset-normalizer pyyaml click jinja2 markupsafe attrs packaging six}"
extra="${EXTRA:-tomli==2.0.1}"
other="${OTHER:-six==1.15.0}"
work="${2:-$(mktemp -d -t airlock-wheelhouse-XXXXXX)}"
mkdir -p "$work"
[ -n "${2:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$work"
pip=("$python" -m pip --disable-pip-version-check)

# 1. Resolve and pin: the files pip picks for this platform, with their hashes.
"${pip[@]}" download --quiet --only-binary=:all: -d resolved $packages
"$python" - resolved > requirements.txt <<'PY'
import hashlib, os, re, sys
directory = sys.argv[1]
lines = []
for name in sorted(os.listdir(directory)):
    match = re.match(r"^([A-Za-z0-9_.]+)-([^-]+)-", name)
    digest = hashlib.sha256(open(os.path.join(directory, name), "rb").read()).hexdigest()
    lines.append(f"{match.group(1).replace('_', '-').lower()}=={match.group(2)} \\\n    --hash=sha256:{digest}")
print("\n".join(lines))
PY
locked=$(grep -c -- '--hash' requirements.txt)

# 2. pip itself downloads what the lock says, checking every hash.
"${pip[@]}" download --quiet --no-deps --require-hashes -r requirements.txt -d wheelhouse
wheels=$(ls wheelhouse | wc -l)
echo "locked: $locked packages; pip download --require-hashes wrote $wheels files"

export NO_COLOR=1
failures=0
check() { # name expected-exit expected-status-list
    local name="$1" expected="$2" statuses="$3" start end status
    start=$(date +%s.%N)
    set +e
    "$airlock" verify --lock requirements.txt wheelhouse -f json > "$name.json"
    status=$?
    set -e
    end=$(date +%s.%N)
    local found
    found=$("$python" -c 'import json,sys; print(" ".join(p["status"] for p in json.load(open(sys.argv[1]))["problems"]))' "$name.json")
    local verdict=ok
    if [ "$status" != "$expected" ] || [ "$found" != "$statuses" ]; then
        verdict=MISMATCH
        failures=$((failures + 1))
    fi
    printf '%-10s exit %s (expected %s), lines [%s] (expected [%s]), %.2f s: %s\n' \
        "$name" "$status" "$expected" "$found" "$statuses" "$(echo "$end - $start" | bc)" "$verdict"
    "$python" -c 'import json,sys
for p in json.load(open(sys.argv[1]))["problems"]: print("    ", p["status"], p.get("package",""), p.get("file","").rsplit("/",1)[-1], "-", p["detail"])' "$name.json"
}

check exact 0 ""

victim=$(ls wheelhouse | grep -v -i '^six-' | head -1)
mv "wheelhouse/$victim" removed.whl
check removed 1 "missing"
mv removed.whl "wheelhouse/$victim"

"${pip[@]}" download --quiet --no-deps --only-binary=:all: -d spare "$extra"
added=$(ls spare | head -1)
cp "spare/$added" wheelhouse/
check added 1 "unlocked"
rm "wheelhouse/$added"

"${pip[@]}" download --quiet --no-deps --only-binary=:all: -d other "$other"
replacement=$(ls other | head -1)
original=$(ls wheelhouse | grep -i "^${replacement%%-*}-" | head -1)
mv "wheelhouse/$original" replaced.whl
cp "other/$replacement" wheelhouse/
check replaced 1 "wrong-version"
rm "wheelhouse/$replacement"
mv replaced.whl "wheelhouse/$original"

# For scale: pip's own check of the same folder (an install from it, hashes required).
"$python" -m venv venv >/dev/null
start=$(date +%s.%N)
venv/bin/python -m pip install --quiet --disable-pip-version-check --no-index --find-links wheelhouse --require-hashes --no-deps -r requirements.txt --dry-run
end=$(date +%s.%N)
printf 'pip install --dry-run --require-hashes from the folder: %.2f s\n' "$(echo "$end - $start" | bc)"

[ "$failures" -eq 0 ] || { echo "$failures runs disagreed"; exit 1; }
echo "airlock verify --lock agrees with pip on $wheels files; each mutation gave its one line"
