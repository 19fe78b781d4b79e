#!/usr/bin/env bash
# Second, independent validation of every SBOM format airlock writes: the documents for the
# example, four corpus projects of different kinds (Cargo v1/git, uv, poetry/requirements) and
# the model-card corpus are written by the airlock binary and validated by Python
# implementations (jsonschema, xmlschema) against the vendored official schemas in
# tests/schemas/ (the Rust tests use the Rust `jsonschema` crate on the same files). Offline.
#
#   scripts/validate-sboms.sh [AIRLOCK_BINARY]
#
# SPDX 3.0.1 documents are also checked against the SPDX 3.0.1 model's SHACL shapes (pyshacl,
# with the model and JSON-LD context vendored in tests/schemas/, so nothing is fetched; run
# under `unshare -n` to prove it). First, the shapes must reject a document made invalid on
# purpose (a creator that is a package, not an agent): a check that cannot fail proves nothing.
#
# Needs python3 with `jsonschema`, `xmlschema` and `pyshacl` (pip install jsonschema xmlschema
# pyshacl; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
airlock="${1:-${CARGO_TARGET_DIR:-target}/debug/airlock}"
if [ ! -x "$airlock" ]; then
  echo "no airlock binary at $airlock (cargo build first, or pass its path)" >&2
  exit 2
fi
python3 -c 'import jsonschema, xmlschema, pyshacl' || {
  echo "needs python3 with jsonschema, xmlschema and pyshacl (pip install jsonschema xmlschema pyshacl)" >&2
  exit 2
}
output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT
projects=(
  examples/agent-stack
  tests/fixtures/projects/rustsec__rustsec__root--2019-09
  tests/fixtures/projects/qdrant__qdrant__root--2020-05
  tests/fixtures/projects/astral-sh__uv__root--2024-07
  tests/fixtures/projects/huggingface__text-generation-inference__root
  tests/fixtures/models/corpus
)
export SOURCE_DATE_EPOCH=1700000000
for project in "${projects[@]}"; do
  name="$(basename "$project")"
  for version in 1.5 1.6 1.7; do
    "$airlock" sbom "$project" -q -f cyclonedx-json --spec-version "$version" -o "$output/$name-$version.cdx.json"
    "$airlock" sbom "$project" -q -f cyclonedx-xml --spec-version "$version" -o "$output/$name-$version.cdx.xml"
  done
  "$airlock" sbom "$project" -q -f spdx-json -o "$output/$name.spdx.json"
  "$airlock" sbom "$project" -q -f spdx3-json -o "$output/$name.spdx3.json"
done
# The self-test: the example's SPDX 3 document with its creator pointed at a package.
python3 - "$output/agent-stack.spdx3.json" "$output/broken.spdx3" <<'PYTHON'
import json, sys
document = json.load(open(sys.argv[1]))
package = next(node["spdxId"] for node in document["@graph"] if node["type"] == "software_Package")
for node in document["@graph"]:
    if node["type"] == "CreationInfo":
        node["createdBy"] = [package]
json.dump(document, open(sys.argv[2], "w"))
PYTHON
python3 -W ignore scripts/validate-sboms.py --expect-shacl-violation tests/schemas "$output/broken.spdx3"
rm "$output/broken.spdx3"
python3 -W ignore scripts/validate-sboms.py tests/schemas "$output"/*
