#!/usr/bin/env bash
# Compares airlock's RustSec findings with `cargo audit --no-fetch` on every corpus Cargo.lock,
# and with `cargo audit bin` on the cargo-auditable fixture binaries, using the same RustSec
# data (the advisory-db markdown tree in ../shared/corpus). Not part of CI: it installs
# cargo-audit into a local prefix when missing. Prints one line per project or binary and exits
# 1 when the id sets differ.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The corpus is a fixed snapshot: compare matching, not the data's age.
export AIRLOCK_MAX_DB_AGE=none
corpus="${AIRLOCK_CORPUS:-$root/../shared/corpus}"
rustsec="$corpus/advisories/rustsec-advisory-db"
[ -d "$rustsec/crates" ] || { echo "skipped: $rustsec/crates not found"; exit 0; }
tools="$root/target/tools"
if ! command -v cargo-audit >/dev/null && [ ! -x "$tools/bin/cargo-audit" ]; then
    cargo install --locked cargo-audit --root "$tools"
fi
audit="$(command -v cargo-audit || echo "$tools/bin/cargo-audit")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# cargo-audit wants a writable database directory; airlock imports the same markdown files.
cp -r "$rustsec" "$work/rustsec-db"
cargo build --quiet --locked -p scanner-cli
airlock="${CARGO_TARGET_DIR:-$root/target}/debug/airlock"
"$airlock" --db "$work/markdown.sqlite3" db import "$rustsec/crates" >/dev/null
forms="markdown"
osv="$corpus/advisories/rustsec-advisory-db-osv/crates"
if [ -d "$osv" ]; then
    "$airlock" --db "$work/osv.sqlite3" db import "$osv" >/dev/null
    forms="markdown osv"
fi
status=0
# Writes the comparison script once: cargo-audit's JSON, airlock's JSON, a name.
cat >"$work/compare.py" <<'PY'
import json, sys
try:
    audit = json.load(open(sys.argv[1]))
except ValueError:
    audit = None  # cargo-audit wrote no report: it read nothing
ours = json.load(open(sys.argv[2]))
theirs = set()
if audit is not None:
    theirs = {v["advisory"]["id"] for v in audit["vulnerabilities"]["list"]}
    for kind in ("unmaintained", "unsound", "notice"):
        theirs |= {w["advisory"]["id"] for w in audit.get("warnings", {}).get(kind, []) if w.get("advisory")}
mine = set()
for finding in ours["findings"]:
    advisory = finding.get("advisory")
    if not advisory:
        continue
    for id in [advisory["id"], *advisory.get("aliases", [])]:
        if id.startswith("RUSTSEC-"):
            mine.add(id)
known = sys.argv[4] if len(sys.argv) > 4 else ""
verdict = "same" if mine == theirs else ("different, as expected" if known else "DIFFERENT")
read = "" if audit is not None else " (cargo-audit read nothing)"
print(f"{sys.argv[3]}: cargo-audit {len(theirs)}{read}, airlock {len(mine)}: {verdict}")
if mine != theirs:
    print("  only cargo-audit:", sorted(theirs - mine))
    print("  only airlock:    ", sorted(mine - theirs))
    if known:
        print("  why:", known)
    else:
        sys.exit(1)
PY
for form in $forms; do
echo "== airlock reading RustSec's $form form; cargo-audit reading the markdown"
for lock in "$root"/tests/fixtures/projects/*/Cargo.lock "$root"/tests/fixtures/projects/*/*/Cargo.lock; do
    [ -f "$lock" ] || continue
    project="$(dirname "$lock")"
    name="${project#"$root"/tests/fixtures/projects/}"
    "$audit" audit --no-fetch --stale --no-yanked --db "$work/rustsec-db" --file "$lock" --json \
        2>/dev/null >"$work/audit.json" || true
    "$airlock" --db "$work/$form.sqlite3" scan "$lock" -f json --fail-on critical \
        2>/dev/null >"$work/airlock.json" || true
    python3 "$work/compare.py" "$work/audit.json" "$work/airlock.json" "$name" || status=1
done
# Binaries built with cargo auditable (issue 20): `cargo audit bin` reads the same `.dep-v0`
# list (through auditable-info) that airlock's cargo/auditable-binary row reads.
for binary in airlock-auditable-demo tiny-audited tiny-audited.exe demo.macho demo-universal.macho; do
    file="$root/tests/fixtures/cargo-auditable/$binary"
    # Differences explained in docs/deployed.md ("A Rust binary").
    case "$binary" in
        *.exe) known="cargo audit bin takes the OS from the PE (windows) and drops advisories whose affects.os excludes it; airlock does not read affects.os (nor does cargo audit for a lockfile)" ;;
        demo-universal.macho) known="cargo-audit (auditable-extract 0.3) finds no list in a universal Mach-O file" ;;
        *) known="" ;;
    esac
    "$audit" audit --no-fetch --stale --db "$work/rustsec-db" --json bin "$file" \
        2>/dev/null >"$work/audit.json" || true
    "$airlock" --db "$work/$form.sqlite3" scan "$file" -f json --fail-on critical \
        2>/dev/null >"$work/airlock.json" || true
    python3 "$work/compare.py" "$work/audit.json" "$work/airlock.json" "bin $binary" "$known" \
        || status=1
done
done
exit $status
