#!/usr/bin/env python3
"""Writes COUNT small projects for the fleet benchmark (bench/fleet.py, issue 24): a mix of
requirements.txt, uv.lock and Cargo.lock projects made from the corpus files, each one
different, deterministic for a given seed.

Usage: gen-fleet.py CORPUS_PROJECTS OUTPUT_DIRECTORY [COUNT] [SEED]

- requirements.txt (40%): 5 to 60 `name==version` pins drawn from every pin of the corpus
  requirements files (so old, vulnerable versions come up as they do in real projects);
- uv.lock (30%): a corpus uv.lock of under 200 KB with its pyproject.toml, a tenth of its
  packages moved to another version the corpus pins for that name;
- Cargo.lock (30%): a corpus Cargo.lock of under 200 KB, a tenth of its crates moved to a
  version another corpus Cargo.lock holds.
Prints one line: how many projects of each kind, and their components (packages written).
"""

import os
import random
import re
import sys

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*(?:[;\\#].*)?$")
VERSION_LINE = re.compile(r'^version = "([^"]+)"$', re.MULTILINE)
NAME_LINE = re.compile(r'^name = "([^"]+)"$', re.MULTILINE)
SMALL = 200_000


def corpus_files(root):
    found = {"requirements": [], "uv": [], "cargo": []}
    for base, directories, names in os.walk(root):
        directories.sort()
        for name in sorted(names):
            path = os.path.join(base, name)
            if name.startswith("requirements") and name.endswith(".txt"):
                found["requirements"].append(path)
            elif name == "uv.lock":
                found["uv"].append(path)
            elif name == "Cargo.lock":
                found["cargo"].append(path)
    return found


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def blocks(lock):
    """The lock's text split before each [[package]] table."""
    parts = lock.split("\n[[package]]\n")
    return parts[0], ["[[package]]\n" + part for part in parts[1:]]


def versions_by_name(texts):
    """Every (name, version) a set of locks holds, by name."""
    known = {}
    for text in texts:
        for block in blocks(text)[1]:
            name, version = NAME_LINE.search(block), VERSION_LINE.search(block)
            if name and version:
                known.setdefault(name.group(1).lower(), set()).add(version.group(1))
    return {name: sorted(versions) for name, versions in known.items()}


def vary(lock, alternatives, rng):
    """Moves about a tenth of the lock's packages to another known version of the same name.
    Returns the text and the number of packages in it."""
    head, packages = blocks(lock)
    # Only a package listed once is moved, and never onto a version the lock already has:
    # dependencies name such a package without its version, so the lock stays consistent.
    listed = {}
    for block in packages:
        name, version = NAME_LINE.search(block), VERSION_LINE.search(block)
        if name and version:
            listed.setdefault(name.group(1).lower(), set()).add(version.group(1))
    out = []
    for block in packages:
        name, version = NAME_LINE.search(block), VERSION_LINE.search(block)
        if name and version and len(listed.get(name.group(1).lower(), ())) == 1 \
                and rng.random() < 0.1:
            others = [v for v in alternatives.get(name.group(1).lower(), []) if v != version.group(1)]
            if others:
                replacement = rng.choice(others)
                block = block[: version.start()] + f'version = "{replacement}"' + block[version.end():]
        out.append(block)
    return "\n".join([head] + out), len(packages)


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    corpus, output = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 24)
    files = corpus_files(corpus)
    pins = sorted({(m.group(1), m.group(2))
                   for path in files["requirements"]
                   for m in map(PIN.match, read(path).splitlines()) if m})
    pin_versions = {}
    for name, version in pins:
        pin_versions.setdefault(name.lower().replace("_", "-"), []).append(version)
    uv_texts = {path: read(path) for path in files["uv"] if os.path.getsize(path) < SMALL}
    cargo_all = {path: read(path) for path in files["cargo"]}
    cargo_texts = {path: text for path, text in cargo_all.items() if len(text) < SMALL}
    uv_alternatives = versions_by_name(uv_texts.values())
    for name, versions in pin_versions.items():
        uv_alternatives.setdefault(name, [])
        uv_alternatives[name] = sorted(set(uv_alternatives[name]) | set(versions))
    cargo_alternatives = versions_by_name(cargo_all.values())
    if not pins or not uv_texts or not cargo_texts:
        sys.stderr.write(f"the corpus at {corpus} lacks requirements, small uv.lock or Cargo.lock files\n")
        return 2
    os.makedirs(output, exist_ok=True)
    kinds = {"requirements": 0, "uv": 0, "cargo": 0}
    components = 0
    width = len(str(count - 1))
    for index in range(count):
        draw = rng.random()
        kind = "requirements" if draw < 0.4 else "uv" if draw < 0.7 else "cargo"
        directory = os.path.join(output, f"project-{index:0{width}d}")
        os.makedirs(directory, exist_ok=True)
        if kind == "requirements":
            chosen = rng.sample(pins, rng.randint(5, min(60, len(pins))))
            # One version per name, as pip requires.
            by_name = {}
            for name, version in chosen:
                by_name.setdefault(name.lower(), (name, version))
            lines = [f"{name}=={version}" for name, version in sorted(by_name.values())]
            with open(os.path.join(directory, "requirements.txt"), "w", encoding="utf-8") as handle:
                handle.write(f"# generated fleet project {index}\n" + "\n".join(lines) + "\n")
            components += len(lines)
        elif kind == "uv":
            source = rng.choice(sorted(uv_texts))
            text, packages = vary(uv_texts[source], uv_alternatives, rng)
            with open(os.path.join(directory, "uv.lock"), "w", encoding="utf-8") as handle:
                handle.write(text)
            pyproject = os.path.join(os.path.dirname(source), "pyproject.toml")
            if os.path.exists(pyproject):
                with open(os.path.join(directory, "pyproject.toml"), "w", encoding="utf-8") as handle:
                    handle.write(read(pyproject))
            components += packages
        else:
            source = rng.choice(sorted(cargo_texts))
            text, packages = vary(cargo_texts[source], cargo_alternatives, rng)
            with open(os.path.join(directory, "Cargo.lock"), "w", encoding="utf-8") as handle:
                handle.write(text)
            components += packages
        kinds[kind] += 1
    print(f"{count} projects: {kinds['requirements']} requirements.txt, {kinds['uv']} uv.lock, "
          f"{kinds['cargo']} Cargo.lock; {components} packages written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
