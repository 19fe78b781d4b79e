#!/usr/bin/env python3
"""Compares two airlock binaries (two release-profile settings) on the same inputs, runs
alternating A/B so that the load of a shared machine hits both alike. Not run by CI.

    python3 bench/ab.py A_BINARY B_BINARY [RUNS]

Inputs: `airlock sbom` of the largest Cargo and uv corpus projects, `airlock scan` of qdrant's
Cargo.lock against a database imported from the corpus RustSec tree, and `airlock sbom` of a
one-unit synthetic monorepo (bench/gen-monorepo.py: three locks and 64 MiB of weights to hash).
Prints median wall time, median CPU time (user + sys) and median peak resident memory (from GNU
time) per binary.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The corpus is a fixed snapshot: measure matching, not the data's age (older builds ignore this).
os.environ["AIRLOCK_MAX_DB_AGE"] = "none"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECTS = os.path.join(ROOT, "tests", "fixtures", "projects")
RUSTSEC = os.path.join(os.environ.get("AIRLOCK_CORPUS", os.path.join(ROOT, "..", "shared", "corpus")),
                       "advisories", "rustsec-advisory-db", "crates")


def run(argv):
    with tempfile.NamedTemporaryFile() as report:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        user, system, peak_kib = open(report.name, encoding="utf-8").read().split()[-3:]
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{argv} exited {done.returncode}")
    return wall, float(user) + float(system), int(peak_kib) / 1024


def main():
    first, second = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    scratch = tempfile.mkdtemp(prefix="airlock-ab-")
    try:
        database = os.path.join(scratch, "rustsec.sqlite3")
        subprocess.run([first, "--quiet", "--db", database, "db", "import", RUSTSEC], check=True,
                       stdout=subprocess.DEVNULL)
        monorepo = os.path.join(scratch, "unit")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen-monorepo.py"), monorepo], check=True)
        out = os.path.join(scratch, "out.json")
        cases = [
            ("sbom qdrant (912 crates)", ["sbom", os.path.join(PROJECTS, "qdrant__qdrant__root"), "-f", "cyclonedx-json", "-o", out]),
            ("sbom autogen (uv.lock, 522 packages)", ["sbom", os.path.join(PROJECTS, "microsoft__autogen__python"), "-f", "cyclonedx-json", "-o", out]),
            ("scan qdrant Cargo.lock, RustSec db", ["--db", database, "scan", os.path.join(PROJECTS, "qdrant__qdrant__root", "Cargo.lock"), "-f", "json"]),
            ("sbom 1x monorepo (1,734 packages, 64 MiB hashed)", ["sbom", monorepo, "-f", "json", "-o", out]),
        ]
        print("| Input | A wall | B wall | B/A wall | A CPU | B CPU | B/A CPU | A peak RSS | B peak RSS | B/A RSS |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, arguments in cases:
            samples = {first: [], second: []}
            for binary in (first, second):
                run([binary, "--quiet", *arguments])
            for _ in range(runs):
                for binary in (first, second):
                    samples[binary].append(run([binary, "--quiet", *arguments]))
            a_wall = statistics.median(s[0] for s in samples[first])
            b_wall = statistics.median(s[0] for s in samples[second])
            a_cpu = statistics.median(s[1] for s in samples[first])
            b_cpu = statistics.median(s[1] for s in samples[second])
            a_rss = statistics.median(s[2] for s in samples[first])
            b_rss = statistics.median(s[2] for s in samples[second])
            print(f"| {label} | {a_wall * 1000:.1f} ms | {b_wall * 1000:.1f} ms | {b_wall / a_wall:.2f} | "
                  f"{a_cpu * 1000:.0f} ms | {b_cpu * 1000:.0f} ms | {b_cpu / a_cpu if a_cpu else 0:.2f} | "
                  f"{a_rss:.1f} MiB | {b_rss:.1f} MiB | {b_rss / a_rss:.2f} |", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
