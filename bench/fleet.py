#!/usr/bin/env python3
"""Fleet runs (issue 24): COUNT generated projects (bench/gen-fleet.py) scanned against one
advisory database imported from the corpus, by one `airlock scan --report-dir DIR --jobs N`
process and, in the same run, by COUNT separate `airlock scan PATH -o FILE` processes (one by
one, then two at a time). Called by bench/fleet.sh; not run by CI.

Every variant writes CycloneDX JSON reports with SOURCE_DATE_EPOCH fixed; the benchmark checks
that each variant's reports are byte for byte the fleet run's and that each project's exit code
is the one the fleet summary gives, so the comparison is between runs that did the same work.
Peak memory is GNU time's `%M`: for the fleet run, the one process; for a loop of separate
processes run under one `sh`, the largest of them (getrusage's children maximum).
Writes the `bench:fleet` section of docs/PERFORMANCE.md.

Environment: AIRLOCK (the binary), AIRLOCK_CORPUS (../shared/corpus), BENCH_FLEET_COUNT (1000),
BENCH_FLEET_JOBS (2), BENCH_FLEET_WRITE (1: update docs/PERFORMANCE.md).
"""

import collections
import filecmp
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRLOCK = os.path.abspath(os.environ["AIRLOCK"])
CORPUS = os.environ.get("AIRLOCK_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
COUNT = int(os.environ.get("BENCH_FLEET_COUNT", "1000"))
JOBS = int(os.environ.get("BENCH_FLEET_JOBS", "2"))
MARK_START = "<!-- bench:fleet:start -->"
MARK_END = "<!-- bench:fleet:end -->"


def load():
    return " ".join(open("/proc/loadavg", encoding="utf-8").read().split()[:3])


def environment(scratch):
    env = dict(os.environ)
    env.update({
        "NO_COLOR": "1",
        "SOURCE_DATE_EPOCH": "1764892800",
        # The corpus is a snapshot: its age is not what is measured.
        "AIRLOCK_MAX_DB_AGE": "none",
        "XDG_CONFIG_HOME": os.path.join(scratch, "config"),
        "XDG_DATA_HOME": os.path.join(scratch, "data"),
    })
    return env


def timed(argv, env, cwd):
    """Runs argv under GNU time: wall seconds, CPU seconds (user+sys), peak RSS bytes, exit."""
    with tempfile.NamedTemporaryFile() as report:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *argv],
                              env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        fields = open(report.name, encoding="utf-8").read().split()[-3:]
    return wall, float(fields[1]) + float(fields[2]), int(fields[0]) * 1024, done


def mib(value):
    return f"{value / 1024 / 1024:.1f} MiB"


def main():
    scratch = tempfile.mkdtemp(prefix="airlock-fleet-")
    try:
        return bench(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench(scratch):
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    start_load = load()
    env = environment(scratch)
    generated = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "gen-fleet.py"),
         os.path.join(CORPUS, "projects"), os.path.join(scratch, "projects"), str(COUNT)],
        check=True, capture_output=True, text=True).stdout.strip()
    names = sorted(os.listdir(os.path.join(scratch, "projects")))
    paths = [f"projects/{name}" for name in names]
    database = os.path.join(scratch, "db", "advisories.sqlite3")
    imported = subprocess.run([AIRLOCK, "--db", database, "db", "import",
                               os.path.join(CORPUS, "advisories")],
                              env=env, cwd=scratch, capture_output=True, text=True)
    if imported.returncode != 0:
        sys.stderr.write(imported.stderr)
        return 2
    info = json.loads(subprocess.run([AIRLOCK, "--db", database, "db", "info", "-f", "json"],
                                     env=env, cwd=scratch, check=True, capture_output=True,
                                     text=True).stdout)
    database_bytes = os.path.getsize(database)
    database_mtime = os.stat(database).st_mtime_ns

    def fleet(directory, jobs):
        run_env = env
        argv = [AIRLOCK, "-q", "--db", database, "scan", "-f", "cyclonedx-json",
                "--report-dir", directory, "--jobs", str(jobs),
                "--summary", f"{directory}.jsonl", *paths]
        wall, cpu, peak, done = timed(argv, run_env, scratch)
        if done.returncode not in (0, 1, 2):
            raise RuntimeError(done.stderr.decode("utf-8", "replace")[-2000:])
        return {"wall": wall, "cpu": cpu, "peak": peak, "exit": done.returncode,
                "directory": directory}

    def separate(directory, parallel):
        """COUNT `airlock scan` processes, one per project, under one sh (or xargs -P)."""
        os.makedirs(os.path.join(scratch, directory))
        command = (f'"$AIRLOCK" -q --db "$DB" scan -f cyclonedx-json "projects/$1" '
                   f'-o "{directory}/$1.cdx.json"; echo "$1 $?" >> "{directory}.codes"')
        run_env = dict(env, AIRLOCK=AIRLOCK, DB=database)
        if parallel == 1:
            script = os.path.join(scratch, f"{directory}.sh")
            with open(script, "w", encoding="utf-8") as handle:
                handle.write("run() {\n  " + command + "\n}\n")
                for name in names:
                    handle.write(f"run {name}\n")
            argv = ["sh", script]
        else:
            listing = os.path.join(scratch, f"{directory}.list")
            with open(listing, "w", encoding="utf-8") as handle:
                handle.write("\n".join(names) + "\n")
            argv = ["xargs", "-a", listing, "-n", "1", "-P", str(parallel),
                    "sh", "-c", command.replace("$1", "$0")]
        wall, cpu, peak, done = timed(argv, run_env, scratch)
        codes = dict(line.split() for line in open(os.path.join(scratch, f"{directory}.codes"),
                                                   encoding="utf-8"))
        return {"wall": wall, "cpu": cpu, "peak": peak, "codes": codes, "directory": directory}

    # A warm-up: the projects and the database in the page cache for every variant alike.
    fleet("warm-up", JOBS)
    rows = []
    measured_load = load()
    shared = fleet("fleet", JOBS)
    rows.append((f"`airlock scan --report-dir DIR --jobs {JOBS} PATH...` (one process)", shared))
    one_job = fleet("fleet-one-job", 1)
    rows.append(("`airlock scan --report-dir DIR --jobs 1 PATH...` (one process)", one_job))
    one_by_one = separate("one-by-one", 1)
    rows.append((f"{COUNT:,} × `airlock scan PATH -o FILE`, one by one", one_by_one))
    two_at_a_time = separate("two-at-a-time", JOBS)
    rows.append((f"{COUNT:,} × `airlock scan PATH -o FILE`, `xargs -P {JOBS}`", two_at_a_time))
    end_load = load()

    # The same work: the same report bytes and the same exit codes everywhere.
    summary = [json.loads(line) for line in open(os.path.join(scratch, "fleet.jsonl"),
                                                  encoding="utf-8")]
    fleet_codes = {line["name"]: str(line["exit_code"]) for line in summary}
    outcomes = collections.Counter(line["outcome"] for line in summary)
    components = sum(line["components"] or 0 for line in summary)
    findings = sum(sum(v for k, v in (line["findings"] or {}).items() if k != "ignored")
                   for line in summary)
    identical = 0
    for name in names:
        reference = os.path.join(scratch, "fleet", f"{name}.cdx.json")
        others = [os.path.join(scratch, row["directory"], f"{name}.cdx.json")
                  for _, row in rows[1:]]
        if all(os.path.exists(path) and filecmp.cmp(reference, path, shallow=False)
               for path in others):
            identical += 1
    codes_agree = all(row["codes"] == fleet_codes for row in (one_by_one, two_at_a_time))
    untouched = (os.path.getsize(database) == database_bytes
                 and os.stat(database).st_mtime_ns == database_mtime)

    reference_wall = one_by_one["wall"]
    lines = [
        MARK_START,
        "## Fleet runs (issue 24)",
        "",
        "Written by `bench/fleet.sh` (generator `bench/gen-fleet.py`, runner `bench/fleet.py`); "
        "rerun it rather than editing this section.",
        "",
        f"- Date: {started}; machine: {platform.machine()}, {os.cpu_count()} logical cores shared "
        f"with other builds (load average {start_load} at start, {measured_load} when the "
        f"measured runs began, {end_load} at the end: absolute times are noisy).",
        f"- Projects: {generated} ({components:,} components in the reports, {findings:,} "
        f"findings; outcomes {outcomes.get('clean', 0)} clean, "
        f"{outcomes.get('policy-failure', 0)} policy failures, {outcomes.get('error', 0)} errors).",
        f"- Database: `db import` of the corpus advisories (`{os.path.basename(CORPUS)}/advisories`"
        f"): {info['advisories']:,} advisories, {mib(database_bytes)}; opened immutable, read "
        f"by every variant; its bytes and mtime unchanged after all of them: "
        f"{'yes' if untouched else 'NO'}.",
        "- Method: release build; every variant writes CycloneDX JSON reports "
        "(`-f cyclonedx-json`, `SOURCE_DATE_EPOCH` fixed) after one warm-up fleet run; wall "
        "time of the whole variant; CPU = user + sys of every process; peak RSS = GNU time's "
        "`%M`, which for a loop of processes is the largest single one. The separate "
        "processes run under one `sh` (one by one) or `xargs -n 1 -P 2 sh -c` (two at a time).",
        f"- Same work: {identical:,} of {COUNT:,} projects have byte-identical reports in every "
        f"variant; exit codes of the separate runs equal the fleet summary's: "
        f"{'yes' if codes_agree else 'NO'}.",
        "",
        "| Variant | Wall | Projects/s | vs one by one | CPU | Peak RSS (per process) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in rows:
        lines.append(
            f"| {label} | {row['wall']:.2f} s | {COUNT / row['wall']:.1f} | "
            f"{reference_wall / row['wall']:.2f}× | {row['cpu']:.2f} s | {mib(row['peak'])} |")
    lines.append(MARK_END)
    section = "\n".join(lines)
    print(section)
    if os.environ.get("BENCH_FLEET_WRITE", "1") == "1":
        target = os.path.join(ROOT, "docs", "PERFORMANCE.md")
        text = open(target, encoding="utf-8").read()
        if MARK_START in text:
            before = text[:text.index(MARK_START)]
            after = text[text.index(MARK_END) + len(MARK_END):]
            text = before + section + after
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0 if identical == COUNT and codes_agree and untouched else 1


if __name__ == "__main__":
    sys.exit(main())
