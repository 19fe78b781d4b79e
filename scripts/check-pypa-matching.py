#!/usr/bin/env python3
"""Checks airlock's PyPI matching against a straightforward reading of the OSV rules.

For every Python lockfile project in tests/fixtures/projects, airlock scans against a database
imported from the PyPA advisory database (../shared/corpus). Independently, this script reads
the same PyPA YAML files with PyYAML and decides each (package, version) with the `packaging`
library, following the OSV schema's evaluation pseudocode literally: a listed version is
affected; otherwise events of each non-GIT range are sorted and replayed. The two sets of
(package, version, PYSEC id) must be equal. Not part of CI; installs its two libraries into a
virtual environment under target/tools.

Usage: scripts/check-pypa-matching.py   (exit 1 on any difference)
"""
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("AIRLOCK_CORPUS", ROOT.parent / "shared" / "corpus"))
PYPA = CORPUS / "advisories" / "pypa-advisory-database" / "vulns"
TOOLS = ROOT / "target" / "tools" / "pypa-check"


def ensure_libraries():
    try:
        import packaging.version  # noqa: F401
        import yaml  # noqa: F401
        return
    except ImportError:
        pass
    python = TOOLS / "bin" / "python"
    if not python.exists():
        venv.create(TOOLS, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "packaging", "PyYAML"], check=True)
    if os.environ.get("AIRLOCK_PYPA_CHECK_CHILD") != "1":
        os.environ["AIRLOCK_PYPA_CHECK_CHILD"] = "1"
        os.execv(str(python), [str(python), *sys.argv])


def normalize(name):
    import re
    return re.sub(r"[-_.]+", "-", name).lower()


def affected(version_text, entry):
    from packaging.version import InvalidVersion, Version
    try:
        version = Version(version_text)
    except InvalidVersion:
        return None  # undetermined
    for listed in entry.get("versions") or []:
        try:
            if Version(listed) == version:
                return True
        except InvalidVersion:
            if listed == version_text:
                return True
    for range_ in entry.get("ranges") or []:
        if range_.get("type") != "ECOSYSTEM":
            continue
        events = []
        for event in range_.get("events") or []:
            (kind, value), = event.items()
            if kind == "introduced" and value == "0":
                events.append((Version("0.dev0"), 0, kind))
                continue
            try:
                events.append((Version(value), 0 if kind == "introduced" else 1, kind))
            except InvalidVersion:
                return None
        limits = [value for value, _, kind in events if kind == "limit"]
        if limits and not any(version < limit for limit in limits):
            continue
        state = False
        for value, _, kind in sorted(events, key=lambda item: (item[0], item[1])):
            if kind == "introduced" and version >= value:
                state = True
            elif kind == "fixed" and version >= value:
                state = False
            elif kind == "last_affected" and version > value:
                state = False
        if state:
            return True
    return False


def expected_findings(components):
    import yaml
    wanted = {}
    for name, version in components:
        wanted.setdefault(name, set()).add(version)
    found = set()
    for path in sorted(PYPA.rglob("PYSEC-*.yaml")):
        record = yaml.safe_load(path.read_text())
        if record.get("withdrawn"):
            continue
        for entry in record.get("affected") or []:
            package = entry.get("package") or {}
            if package.get("ecosystem") != "PyPI":
                continue
            name = normalize(package.get("name", ""))
            for version in wanted.get(name, ()):
                verdict = affected(version, entry)
                if verdict is not False:
                    found.add((name, version, record["id"], "affected" if verdict else "undetermined"))
    return found


# The corpus is a fixed snapshot: measure matching, not the data's age (older builds ignore this).
os.environ["AIRLOCK_MAX_DB_AGE"] = "none"

def airlock(*arguments):
    result = subprocess.run([str(ROOT / "target" / "debug" / "airlock"), *arguments],
                            capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"airlock {' '.join(arguments)} failed: {result.stderr}")
    return json.loads(result.stdout)


def main():
    if not PYPA.is_dir():
        print(f"skipped: {PYPA} not found")
        return 0
    ensure_libraries()
    subprocess.run(["cargo", "build", "--quiet", "--locked", "-p", "scanner-cli"], cwd=ROOT, check=True)
    status = 0
    with tempfile.TemporaryDirectory() as work:
        database = str(Path(work) / "pypa.sqlite3")
        subprocess.run([str(ROOT / "target" / "debug" / "airlock"), "--db", database, "db", "import", str(PYPA)],
                       check=True, capture_output=True)
        projects = sorted({path.parent for pattern in ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml", "requirements*.txt", "requirements*.lock")
                           for path in (ROOT / "tests" / "fixtures" / "projects").rglob(pattern)})
        total_packages = total_findings = 0
        for project in projects:
            report = airlock("--db", database, "scan", str(project), "-f", "json", "-q")
            components = {(c["name"], c["version"]) for c in report["components"]
                          if c.get("ecosystem") == "pypi" and c.get("version")}
            ours = set()
            for finding in report["findings"]:
                advisory = finding.get("advisory")
                if not advisory or finding["rule"] not in ("known-vulnerability", "vulnerability-undetermined"):
                    continue
                name, version = finding["component"].split("@")[0].rsplit("/", 1)[-1], finding["component"].split("@")[1].split("#")[0]
                kind = "affected" if finding["rule"] == "known-vulnerability" else "undetermined"
                for identifier in [advisory["id"], *advisory.get("aliases", [])]:
                    if identifier.startswith("PYSEC-"):
                        ours.add((normalize(name), version, identifier, kind))
            theirs = expected_findings(components)
            total_packages += len(components)
            total_findings += len(theirs)
            label = project.relative_to(ROOT / "tests" / "fixtures" / "projects")
            if ours == theirs:
                print(f"{label}: {len(components)} packages, {len(theirs)} PYSEC matches: same")
            else:
                status = 1
                print(f"{label}: DIFFERENT")
                print("  only the straightforward reading:", sorted(theirs - ours)[:20])
                print("  only airlock:                    ", sorted(ours - theirs)[:20])
        print(f"total: {total_packages} package versions, {total_findings} PYSEC matches")
    return status


if __name__ == "__main__":
    sys.exit(main())
