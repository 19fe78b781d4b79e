#!/usr/bin/env python3
"""Seeds tests/fixtures/fuzz-corpus/<target>/ from the committed fixtures (small files only).

The replay test runs every file of the corpus through its fuzz entry point on every CI run;
crashes found by fuzzing are added by hand as `crash-<what>` files next to these seeds. Run
from the repository root; files are named after the fixture they copy, so provenance is the
fixture's own README/SOURCES.md.

The targets of the formats are not listed here: they come from the format table, through the
binary. `airlock extractors --format json` names each row's fuzz target, and `airlock sbom
--format json tests/fixtures` says which row read each fixture (the scan driver's own choice,
by name and by content; a file a row reads because its file names it, such as a workspace
member's Cargo.toml, counts for that row too), so a new format's fixtures seed its target with
no edit here. Only the parsers outside the table (advisory importers, attestation and bundle
verifiers) keep their patterns below. The binary is `$AIRLOCK`, or the workspace's, built by
`cargo run`.
"""
import json
import os
import pathlib
import shutil
import subprocess

FIXTURES = pathlib.Path("tests/fixtures")
CORPUS = FIXTURES / "fuzz-corpus"
MAX_BYTES = 16 * 1024
MAX_FILES = 10

# Targets that are not rows of the format table (`OTHER_TARGETS` in tests/src/fuzz.rs).
OTHER_TARGETS = {
    "osv_json": ["advisories/corpus/github-advisory-database/**/*.json",
                 "advisories/corpus/ossf-malicious-packages/**/*.json",
                 "advisories/corpus/rustsec-advisory-db-osv/**/*.json"],
    "osv_yaml": ["advisories/corpus/pypa-advisory-database/**/*.yaml"],
    "rustsec_markdown": ["advisories/corpus/rustsec-advisory-db/**/*.md"],
    "attestation_statement": [],
    "attestation_envelope": [],
    "model_signing_bundle": ["attestation/model-signing/*.sig"],
    "advisory_bundle": [],
}


def airlock(*arguments: str) -> bytes:
    """Runs airlock and returns its standard output; a scan of the fixtures exits 2 (some are
    broken on purpose) and still writes its report."""
    command = [os.environ["AIRLOCK"]] if os.environ.get("AIRLOCK") else [
        "cargo", "run", "--quiet", "--locked", "-p", "scanner-cli", "--bin", "airlock", "--"]
    run = subprocess.run(command + list(arguments), stdout=subprocess.PIPE, check=False)
    if run.returncode not in (0, 1, 2) or not run.stdout:
        raise SystemExit(f"airlock {' '.join(arguments)} failed with exit code {run.returncode}")
    return run.stdout


def format_candidates() -> dict[str, list[pathlib.Path]]:
    """Every fixture, under the fuzz target of the format row that read it."""
    targets = {row["id"]: row["fuzz_target"]
               for row in json.loads(airlock("extractors", "--format", "json"))}
    report = json.loads(airlock("sbom", "--format", "json", "--quiet", str(FIXTURES)))
    candidates: dict[str, list[pathlib.Path]] = {target: [] for target in targets.values()}
    for file in report["files"]:
        target = targets.get(file.get("extractor"))
        if target is not None:
            candidates[target].append(pathlib.Path(file["path"]))
    return candidates


def main() -> None:
    candidates = format_candidates()
    for target, patterns in OTHER_TARGETS.items():
        candidates[target] = [path for pattern in patterns for path in FIXTURES.glob(pattern)]
    for target, paths in candidates.items():
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        chosen = []
        for path in sorted(paths):
            if CORPUS in path.parents or not path.is_file():
                continue
            if path.stat().st_size > MAX_BYTES or path in chosen:
                continue
            chosen.append(path)
        for path in chosen[:MAX_FILES]:
            name = "seed-" + str(path.relative_to(FIXTURES)).replace("/", "__")
            shutil.copyfile(path, directory / name)


if __name__ == "__main__":
    main()
