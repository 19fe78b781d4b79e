#!/usr/bin/env python3
"""Seeds tests/fixtures/fuzz-corpus/<target>/ from the committed fixtures (small files only).

The replay test runs every file of the corpus through its fuzz entry point on every CI run;
crashes found by fuzzing are added by hand as `crash-<what>` files next to these seeds. Run
from the repository root; files are named after the fixture they copy, so provenance is the
fixture's own README/SOURCES.md.
"""
import pathlib
import shutil

FIXTURES = pathlib.Path("tests/fixtures")
CORPUS = FIXTURES / "fuzz-corpus"
MAX_BYTES = 16 * 1024
MAX_FILES = 10

TARGETS = {
    "cargo_lock": ["**/Cargo.lock"],
    "cargo_toml": ["cargo/**/Cargo.toml", "projects/*qdrant*/**/Cargo.toml"],
    "requirements_txt": ["**/requirements*.txt", "**/requirements*.in"],
    "pipfile_lock": ["**/Pipfile.lock"],
    "pdm_lock": ["**/pdm.lock"],
    "pyproject_toml": ["**/pyproject.toml"],
    "uv_lock": ["**/uv.lock"],
    "poetry_lock": ["**/poetry.lock"],
    "pylock_toml": ["**/pylock*.toml"],
    "model_card": ["models/**/README.md"],
    "hf_config": ["models/**/config.json", "models/**/tokenizer_config.json"],
    "safetensors": ["models/**/*.safetensors"],
    "safetensors_index": ["models/**/*.index.json"],
    "gguf": ["models/**/*.gguf"],
    "pickle": ["models/**/*.pkl"],
    "pytorch": ["models/**/*.pt", "models/**/*.bin"],
    "numpy": ["models/**/*.npy", "models/**/*.npz"],
    "onnx": ["models/**/*.onnx"],
    "sbom": ["sbom/*.cdx.json", "sbom/*.cdx.xml", "sbom/*.spdx.json"],
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


def main() -> None:
    for target, patterns in TARGETS.items():
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        chosen = []
        for pattern in patterns:
            for path in sorted(FIXTURES.glob(pattern)):
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
