#!/usr/bin/env python3
"""Builds tests/fixtures/lock-verify/ offline and reproducibly: tiny but valid wheels (METADATA,
WHEEL, RECORD with every entry's hash) written with the standard library's zipfile, the locks
that pin them (a requirements file with --hash and a pylock.toml), and for Rust real crates
copied from the local cargo cache (~/.cargo/registry/cache, downloaded from crates.io by
cargo), a Cargo.lock pinning them with crates.io's checksums, and a cargo-vendor-shaped
directory unpacked from them (.cargo-checksum.json written as cargo vendor writes it).

Run from the repository root: python3 scripts/make-lock-verify-fixtures.py
"""

import base64
import glob
import hashlib
import io
import json
import os
import shutil
import tarfile
import zipfile

ROOT = os.path.join("tests", "fixtures", "lock-verify")
EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def wheel(directory: str, name: str, version: str, requires=()) -> str:
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": (
            "Metadata-Version: 2.4\n"
            f"Name: {name}\nVersion: {version}\n"
            f"Summary: {name}, a test package of airlock\n"
            "License-Expression: MIT\n"
            + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
        ).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: airlock-fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = os.path.join(directory, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in files.items():
            info = zipfile.ZipInfo(entry, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return path


def sha256(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def python():
    base = os.path.join(ROOT, "python")
    wheelhouse = os.path.join(base, "wheelhouse")
    spare = os.path.join(base, "spare")
    for directory in (wheelhouse, spare):
        os.makedirs(directory, exist_ok=True)
    locked = [
        wheel(wheelhouse, "alpha", "1.0", ["beta>=2"]),
        wheel(wheelhouse, "beta", "2.0"),
        wheel(wheelhouse, "gamma", "0.3"),
    ]
    wheel(spare, "delta", "1.0")
    wheel(spare, "beta", "2.1")
    lines = ["# Locked for the verify --lock tests (scripts/make-lock-verify-fixtures.py)."]
    packages = []
    for path in locked:
        file_name = os.path.basename(path)
        name, version = file_name.split("-")[:2]
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{sha256(path)}")
        packages.append(
            f'[[packages]]\nname = "{name}"\nversion = "{version}"\n'
            f'wheels = [{{ name = "{file_name}", url = "https://files.example.org/{file_name}", '
            f'hashes = {{ sha256 = "{sha256(path)}" }} }}]\n'
        )
    with open(os.path.join(base, "requirements.txt"), "w") as file:
        file.write("\n".join(lines) + "\n")
    pins = []
    for path in locked:
        file_name = os.path.basename(path)
        name, version = file_name.split("-")[:2]
        pins.append((name, version, file_name, sha256(path)))
    content_hash = "0" * 64
    with open(os.path.join(base, "uv.lock"), "w") as file:
        file.write('version = 1\nrequires-python = ">=3.9"\n')
        for name, version, file_name, digest in pins:
            file.write(
                f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
                'source = { registry = "https://pypi.org/simple" }\n'
                f'wheels = [{{ url = "https://files.example.org/{file_name}", hash = "sha256:{digest}" }}]\n'
            )
    with open(os.path.join(base, "poetry.lock"), "w") as file:
        for name, version, file_name, digest in pins:
            file.write(
                f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
                f'python-versions = "*"\ngroups = ["main"]\nfiles = [\n    {{file = "{file_name}", hash = "sha256:{digest}"}},\n]\n\n'
            )
        file.write(f'[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "{content_hash}"\n')
    with open(os.path.join(base, "pdm.lock"), "w") as file:
        file.write(f'[metadata]\ngroups = ["default"]\nstrategy = ["inherit_metadata"]\nlock_version = "4.5.0"\ncontent_hash = "sha256:{content_hash}"\n')
        for name, version, file_name, digest in pins:
            file.write(
                f'\n[[package]]\nname = "{name}"\nversion = "{version}"\ngroups = ["default"]\n'
                f'files = [\n    {{file = "{file_name}", hash = "sha256:{digest}"}},\n]\n'
            )
    pipfile = {
        "_meta": {
            "hash": {"sha256": content_hash},
            "pipfile-spec": 6,
            "requires": {},
            "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}],
        },
        "default": {
            name: {"hashes": [f"sha256:{digest}"], "index": "pypi", "version": f"=={version}"}
            for name, version, _, digest in pins
        },
        "develop": {},
    }
    with open(os.path.join(base, "Pipfile.lock"), "w") as file:
        json.dump(pipfile, file, indent=4, sort_keys=True)
        file.write("\n")
    with open(os.path.join(base, "pylock.toml"), "w") as file:
        file.write('lock-version = "1.0"\ncreated-by = "airlock-fixtures"\nrequires-python = ">=3.9"\n\n')
        file.write("\n".join(packages))


CRATES = [("crunchy", "0.2.4"), ("try-lock", "0.2.5"), ("heck", "0.5.0")]
SPARE_CRATES = [("heck", "0.4.1"), ("strum", "0.24.1")]


def cached(name: str, version: str) -> str:
    matches = glob.glob(os.path.expanduser(f"~/.cargo/registry/cache/*/{name}-{version}.crate"))
    if not matches:
        raise SystemExit(f"{name}-{version}.crate is not in the local cargo cache")
    return matches[0]


def vendor(crate: str, directory: str, digest: str):
    """Unpacks a .crate as `cargo vendor` does and writes its .cargo-checksum.json."""
    os.makedirs(directory, exist_ok=True)
    files = {}
    with tarfile.open(crate, "r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            relative = member.name.split("/", 1)[1]
            data = archive.extractfile(member).read()
            target = os.path.join(directory, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as file:
                file.write(data)
            files[relative] = hashlib.sha256(data).hexdigest()
    with open(os.path.join(directory, ".cargo-checksum.json"), "w") as file:
        json.dump({"files": dict(sorted(files.items())), "package": digest}, file, separators=(",", ":"))


def cargo():
    base = os.path.join(ROOT, "cargo")
    crates = os.path.join(base, "crates")
    spare = os.path.join(base, "spare")
    vendored = os.path.join(base, "vendor")
    for directory in (crates, spare):
        os.makedirs(directory, exist_ok=True)
    shutil.rmtree(vendored, ignore_errors=True)
    lock = ["# This file is automatically @generated by Cargo.", "# It is not intended for manual editing.", "version = 4", ""]
    lock += ['[[package]]', 'name = "demo"', 'version = "0.1.0"', 'dependencies = [', *[f' "{name}",' for name, _ in CRATES], ']', '']
    for name, version in CRATES:
        source = cached(name, version)
        target = os.path.join(crates, f"{name}-{version}.crate")
        shutil.copyfile(source, target)
        digest = sha256(target)
        lock += ['[[package]]', f'name = "{name}"', f'version = "{version}"',
                 'source = "registry+https://github.com/rust-lang/crates.io-index"', f'checksum = "{digest}"', '']
        vendor(target, os.path.join(vendored, name), digest)
    for name, version in SPARE_CRATES:
        shutil.copyfile(cached(name, version), os.path.join(spare, f"{name}-{version}.crate"))
    with open(os.path.join(base, "Cargo.lock"), "w") as file:
        file.write("\n".join(lock))


if __name__ == "__main__":
    python()
    cargo()
