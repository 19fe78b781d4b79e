#!/usr/bin/env bash
# Compares the outputs of two airlock builds byte for byte: `sbom` and `scan` in every output
# format, on the example and on every corpus project and model folder. Issue 18 ("one shape for
# every format") must not change a byte; any refactoring that claims "no behaviour change" can
# prove it the same way. Not run by CI (it needs the shared corpus).
#
# Usage: compare-builds.sh OLD_AIRLOCK NEW_AIRLOCK [WORK_DIRECTORY]
#   Build the two binaries first, e.g. (release or debug, the same profile for both is not needed):
#     git worktree add /tmp/airlock-base main
#     CARGO_TARGET_DIR=/tmp/base-target cargo build --locked -p scanner-cli --manifest-path /tmp/airlock-base/Cargo.toml
#     CARGO_TARGET_DIR=/tmp/new-target cargo build --locked -p scanner-cli
#     compare-builds.sh /tmp/base-target/debug/airlock /tmp/new-target/debug/airlock
# Environment:
#   AIRLOCK_CORPUS   the shared corpus (default ../shared/corpus beside the checkout): projects/*, models/*, advisories/
#   AIRLOCK_REPO     the checkout whose examples/agent-stack is scanned (default: this script's ../)
#   COMPARE_FORMATS  formats to compare (default: every format of `-f`)
#   COMPARE_KEEP=1   keep the work directory (outputs of both builds, side by side)
# Exit status: 0 when every (command, input, format) gives the same report file, stdout, stderr
# and exit code with both builds (the database age, "N minutes ago", is masked: main reads it
# from the wall clock); 1 when any differs (listed, with a diff of the first lines); 2 on
# a usage error.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
old="$(realpath "$1")"
new="$(realpath "$2")"
for binary in "$old" "$new"; do
    [ -x "$binary" ] || { echo "error: $binary is not an executable" >&2; exit 2; }
done
corpus="${AIRLOCK_CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus}"
script_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repository="${AIRLOCK_REPO:-$(cd "$script_directory/.." && pwd)}"
formats="${COMPARE_FORMATS:-table json cyclonedx-json cyclonedx-xml spdx-json spdx-tag-value sarif html}"
work="${3:-$(mktemp -d -t airlock-compare-XXXXXX)}"
mkdir -p "$work"
[ "${COMPARE_KEEP:-0}" = 1 ] || [ -n "${3:-}" ] || trap 'rm -rf "$work"' EXIT

# One environment for every run: a fixed clock, no colour, and no configuration, database or
# home of the user's (an operator config found by either build would make the runs differ from
# each other's and from CI's).
isolated="$work/home"
mkdir -p "$isolated/config" "$isolated/data" "$work/cwd"
export SOURCE_DATE_EPOCH=1700000000 NO_COLOR=1 TZ=UTC LC_ALL=C
export XDG_CONFIG_HOME="$isolated/config" XDG_DATA_HOME="$isolated/data" HOME="$isolated"
export AIRLOCK_DB="$isolated/no-database.sqlite3"
unset AIRLOCK_MAX_DB_AGE || true

# Inputs: every directory below projects/ and models/ (sorted), and the example. Each is run
# from its parent directory with a relative path, as a user would, so paths in the outputs are
# short and the same for both builds.
inputs=("$repository/examples/agent-stack")
for kind in projects models; do
    for directory in "$corpus/$kind"/*/; do
        inputs+=("${directory%/}")
    done
done

# `scan` matches against one database imported once (by the old build) from the corpus's
# RustSec and PyPA advisories, so vulnerability findings are compared too.
database="$work/advisories.sqlite3"
if [ ! -f "$database" ]; then
    "$old" --quiet --db "$database" db import "$corpus/advisories/rustsec-advisory-db-osv/crates" \
        "$corpus/advisories/pypa-advisory-database/vulns" >/dev/null 2>"$work/import.stderr" \
        || { echo "error: importing advisories failed:" >&2; cat "$work/import.stderr" >&2; exit 2; }
fi
# Flags a later build may require to accept an old corpus database (issue 17 adds an age limit):
# passed only when both builds know them, so the two runs always get the same arguments.
extra_scan=()
if "$old" scan --help 2>/dev/null | grep -q -- '--max-db-age' && "$new" scan --help 2>/dev/null | grep -q -- '--max-db-age'; then
    extra_scan+=(--max-db-age none)
fi

run() { # run BUILD_NAME BINARY INPUT COMMAND FORMAT
    local name="$1" binary="$2" input="$3" command="$4" format="$5"
    local label; label="$(basename "$input")"
    local out="$work/$name/$command/$format/$label"
    mkdir -p "$(dirname "$out")"
    local arguments=("$command" "$label" -f "$format" -o "$out.out")
    if [ "$command" = scan ]; then
        arguments=(--db "$database" "${arguments[@]}" "${extra_scan[@]}")
    fi
    set +e
    (cd "$(dirname "$input")" && "$binary" "${arguments[@]}" >"$out.stdout" 2>"$out.stderr")
    echo "$?" >"$out.status"
    set -e
    # -o writes nothing when the run fails before its report: keep the file so both sides compare.
    [ -e "$out.out" ] || : >"$out.out"
}

normalize_age() {
    sed -E 's/[0-9]+ (minute|hour|day)s? ago/<age> ago/g'
}

total=0
differing=()
age_only=()
for input in "${inputs[@]}"; do
    for command in sbom scan; do
        for format in $formats; do
            run old "$old" "$input" "$command" "$format"
            run new "$new" "$input" "$command" "$format"
            total=$((total + 1))
            label="$(basename "$input")"
            a="$work/old/$command/$format/$label"
            b="$work/new/$command/$format/$label"
            for part in out stdout stderr status; do
                cmp -s "$a.$part" "$b.$part" && continue
                # The database age ("updated T, 3 minutes ago") is read from the wall clock,
                # not SOURCE_DATE_EPOCH, on main: two runs a minute apart differ there only.
                if cmp -s <(normalize_age <"$a.$part") <(normalize_age <"$b.$part"); then
                    age_only+=("$command $format $label ($part)")
                    continue
                fi
                differing+=("$command $format $label ($part)")
                break
            done
        done
    done
done

formats_count=$(wc -w <<<"$formats")
echo "compared $total runs per build: ${#inputs[@]} inputs x 2 commands x $formats_count formats"
echo "  old: $old ($("$old" --version))"
echo "  new: $new ($("$new" --version))"
if [ ${#age_only[@]} -gt 0 ]; then
    echo "  (${#age_only[@]} of them equal only after replacing the wall-clock database age: ${age_only[*]})"
fi
if [ ${#differing[@]} -eq 0 ]; then
    echo "identical: $total of $total (report file, stdout, stderr and exit code)"
    exit 0
fi
echo "identical: $((total - ${#differing[@]})) of $total; differing: ${#differing[@]}"
for entry in "${differing[@]}"; do
    echo "  DIFF $entry"
done
first="${differing[0]}"
read -r command format label _ <<<"$first"
part="${first##*(}"; part="${part%)}"
echo "first difference ($first), first 40 lines of the diff:"
diff -u "$work/old/$command/$format/$label.$part" "$work/new/$command/$format/$label.$part" | head -40 || true
echo "outputs kept in $work" >&2
trap - EXIT
exit 1
