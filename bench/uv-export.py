#!/usr/bin/env python3
"""`airlock sbom UV.LOCK -f cyclonedx-json` against `uv export --format cyclonedx1.5` on every
corpus uv.lock and the example's (issue 19's speed row), with an optional baseline airlock
build measured in the same run. Runs alternate (baseline, airlock, uv, baseline, ...) so that
the load of a shared machine hits all of them alike. Prints a Markdown table: median wall time,
median CPU time (user + sys) and peak resident memory (`wait4`'s rusage: the median over the
runs, and the largest in parentheses, since a multi-threaded run's peak varies by about a MiB
with how its threads met) per command, and the ratios to uv. Not run by CI.

Usage: bench/uv-export.py AIRLOCK [BASELINE_AIRLOCK]
Environment: UV (default: uv on PATH, else $PERF_TOOLS/venv/bin/uv as bench/compare.sh installs
it), AIRLOCK_CORPUS (../shared/corpus), BENCH_RUNS (timed runs per command, default 15).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("AIRLOCK_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def find_uv():
    if os.environ.get("UV"):
        return os.environ["UV"]
    tools = os.environ.get("PERF_TOOLS", "/tmp/perf-tools")
    return shutil.which("uv") or os.path.join(tools, "venv", "bin", "uv")


def locks():
    found = []
    projects = os.path.join(CORPUS, "projects")
    for name in sorted(os.listdir(projects)):
        for directory, _, names in os.walk(os.path.join(projects, name)):
            if "uv.lock" in names:
                found.append((name, os.path.join(directory, "uv.lock")))
                break
    found.append(("examples/agent-stack", os.path.join(ROOT, "examples", "agent-stack", "agent", "uv.lock")))
    return found


def run_once(argv):
    """Wall seconds, CPU seconds (user + sys) and peak RSS (KiB) of one run, from the kernel's
    accounting of the child (wait4), which is exact where GNU time rounds CPU to 10 ms."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({child.returncode}): {stderr.decode()[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    airlock = sys.argv[1]
    baseline = sys.argv[2] if len(sys.argv) == 3 else None
    uv = find_uv()
    work = tempfile.mkdtemp(prefix="uv-export-")
    print(f"Load average at start: {' '.join(open('/proc/loadavg').read().split()[:3])}; "
          f"{RUNS} alternating runs per command after one warm-up; uv: "
          f"{subprocess.run([uv, '--version'], capture_output=True, text=True).stdout.strip()}\n")
    header = "| uv.lock | airlock | uv export | airlock / uv | CPU airlock / uv | peak RSS median (max) airlock / uv |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if baseline:
        header = ("| uv.lock | baseline | airlock | uv export | baseline / uv | airlock / uv "
                  "| CPU baseline / airlock / uv | peak RSS median (max) baseline / airlock / uv |")
        rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    print(header)
    print(rule)
    for name, lock in locks():
        commands = {}
        if baseline:
            commands["baseline"] = [baseline, "--quiet", "sbom", lock, "-f", "cyclonedx-json",
                                    "-o", os.path.join(work, "baseline.json")]
        commands["airlock"] = [airlock, "--quiet", "sbom", lock, "-f", "cyclonedx-json",
                               "-o", os.path.join(work, "airlock.json")]
        commands["uv"] = [uv, "export", "--format", "cyclonedx1.5", "--frozen", "--offline",
                          "--no-progress", "--all-packages", "--directory", os.path.dirname(lock),
                          "-o", os.path.join(work, "uv.json")]
        samples = {key: [] for key in commands}
        for key, argv in commands.items():
            run_once(argv)
        for _ in range(RUNS):
            for key, argv in commands.items():
                samples[key].append(run_once(argv))
        wall = {key: statistics.median(s[0] for s in values) for key, values in samples.items()}
        cpu = {key: statistics.median(s[1] for s in values) for key, values in samples.items()}
        rss = {key: f"{statistics.median(s[2] for s in values) / 1024:.1f} ({max(s[2] for s in values) / 1024:.1f})"
               for key, values in samples.items()}
        ms = lambda seconds: f"{seconds * 1000:.1f} ms"
        if baseline:
            print(f"| `{name}` | {ms(wall['baseline'])} | {ms(wall['airlock'])} | {ms(wall['uv'])} "
                  f"| {wall['baseline'] / wall['uv']:.2f}× | **{wall['airlock'] / wall['uv']:.2f}×** "
                  f"| {ms(cpu['baseline'])} / {ms(cpu['airlock'])} / {ms(cpu['uv'])} "
                  f"| {rss['baseline']} / {rss['airlock']} / {rss['uv']} MiB |")
        else:
            print(f"| `{name}` | {ms(wall['airlock'])} | {ms(wall['uv'])} "
                  f"| **{wall['airlock'] / wall['uv']:.2f}×** | {ms(cpu['airlock'])} / {ms(cpu['uv'])} "
                  f"| {rss['airlock']} / {rss['uv']} MiB |")
        sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
