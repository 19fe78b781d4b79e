#!/usr/bin/env bash
# Compares airlock's reading of a real installed environment with pip's: creates a virtual
# environment, `pip install`s a dozen packages from the package index, scans it with airlock and
# compares the package list with `pip list --format json` (names normalized per PEP 503, versions
# exact), reports the RECORD re-hash (files checked, findings), then flips one byte of one
# installed .py file and shows that exactly one `installed-file-modified` finding names it.
# Also times airlock against `pip list` plus a sha256 pass over every RECORD (Python's hashlib).
# Needs the network (the package index); not run by the tests, which use the offline fixture
# tests/fixtures/python-installed/.
#
# Usage: compare-installed-env.sh AIRLOCK [WORK_DIRECTORY]
# Environment: PYTHON (default python3), PACKAGES (default: the dozen below)
# Exit status: 0 when the lists are equal, the environment re-hashes clean and the flipped byte
# gives exactly one finding; 1 otherwise; 2 on a usage error.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
airlock="$(realpath "$1")"
[ -x "$airlock" ] || { echo "error: $airlock is not an executable" >&2; exit 2; }
python="${PYTHON:-python3}"
packages="${PACKAGES:-requests urllib3 idna certifi charset-normalizer pyyaml click jinja2 markupsafe attrs packaging rich}"
work="${2:-$(mktemp -d -t airlock-installed-XXXXXX)}"
mkdir -p "$work"
[ -n "${2:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$work"

"$python" -m venv venv
venv/bin/python -m pip install --quiet --disable-pip-version-check $packages
venv/bin/python -m pip list --format json --disable-pip-version-check > pip-list.json

export SOURCE_DATE_EPOCH=1700000000 NO_COLOR=1
start=$(date +%s.%N)
set +e
"$airlock" scan venv -f json --no-vuln-db --fail-on none -q > airlock.json
status=$?
set -e
end=$(date +%s.%N)
[ "$status" -eq 0 ] || { echo "airlock exited $status" >&2; exit 1; }

start_pip=$(date +%s.%N)
venv/bin/python -m pip list --format json --disable-pip-version-check > /dev/null
"$python" - venv <<'EOF' > rehash.txt
import base64, csv, hashlib, pathlib, sys
venv = pathlib.Path(sys.argv[1])
checked = bad = 0
for record in venv.glob("lib/python*/site-packages/*.dist-info/RECORD"):
    site = record.parent.parent
    for row in csv.reader(record.open(encoding="utf-8")):
        if len(row) < 2 or not row[1]:
            continue
        algorithm, digest = row[1].split("=", 1)
        data = (site / row[0]).read_bytes()
        found = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=").decode()
        checked += 1
        bad += found != digest
print(checked, bad)
EOF
end_pip=$(date +%s.%N)

"$python" - pip-list.json airlock.json rehash.txt "$start" "$end" "$start_pip" "$end_pip" <<'EOF'
import json, re, sys
pip_list, report, rehash = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), open(sys.argv[3]).read().split())
start, end, start_pip, end_pip = map(float, sys.argv[4:8])
normalize = lambda name: re.sub(r"[-_.]+", "-", name).lower()
pip = {(normalize(p["name"]), p["version"]) for p in pip_list}
airlock = {(c["normalized_name"], c["version"]) for c in report["components"] if c["ecosystem"] == "pypi"}
rules = {}
for finding in report["findings"]:
    rules[finding["rule"]] = rules.get(finding["rule"], 0) + 1
hashed = sum(1 for f in report["files"] if f["extractor"] == "python/installed")
print(f"pip list: {len(pip)} packages; airlock: {len(airlock)} packages; equal: {pip == airlock}")
for name, version in sorted(pip - airlock):
    print(f"  only in pip list: {name} {version}")
for name, version in sorted(airlock - pip):
    print(f"  only in airlock:  {name} {version}")
print(f"files read by python/installed (metadata + re-hashed): {hashed}; RECORD rows with a hash (Python's own pass): {rehash[0]}, mismatches by Python: {rehash[1]}")
print("findings by rule:", json.dumps(rules, sort_keys=True))
print(f"time: airlock {end - start:.2f}s; pip list + hashlib over every RECORD {end_pip - start_pip:.2f}s")
clean = pip == airlock and not any(rules.get(r) for r in ("installed-file-modified", "installed-integrity-unknown", "unrecorded-installed-file"))
print("clean:", clean)
sys.exit(0 if clean else 1)
EOF
clean=$?

# One byte of one installed .py flipped.
target="$(ls venv/lib/python*/site-packages/requests/__init__.py 2>/dev/null || find venv/lib -path '*site-packages/*' -name '*.py' | sort | head -1)"
"$python" - "$target" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0x01
open(path, "wb").write(bytes(data))
EOF
set +e
"$airlock" scan venv -f json --no-vuln-db --fail-on none -q > tampered.json
set -e
"$python" - tampered.json "$target" <<'EOF'
import json, sys
report, target = json.load(open(sys.argv[1])), sys.argv[2]
integrity = [f for f in report["findings"] if f["rule"] in ("installed-file-modified", "installed-integrity-unknown", "unrecorded-installed-file")]
print(f"after flipping one byte of {target}: {len(integrity)} integrity finding(s)")
for finding in integrity:
    print(f"  {finding['rule']}: {finding['message']}")
sys.exit(0 if len(integrity) == 1 and target in integrity[0]["message"] else 1)
EOF
tampered=$?
[ "$clean" -eq 0 ] && [ "$tampered" -eq 0 ]
