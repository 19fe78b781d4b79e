#!/usr/bin/env python3
"""Summarizes criterion results into docs/PERFORMANCE.md (issue 9, item 4).

Reads every `<target>/criterion/**/new/estimates.json` with the `benchmark.json` beside it
(`<target>` is $CARGO_TARGET_DIR, or ./target), and rewrites only the section between
`<!-- bench:criterion:start -->` and `<!-- bench:criterion:end -->` of docs/PERFORMANCE.md
(appending the markers at the end when absent; every other byte of the file is kept).

Per criterion group, one table: bench id, criterion's median point estimate with its confidence
interval, the throughput at the median when the bench set one, and the ratio of the median to the
median of the group's baseline (the bench whose function id starts with "baseline"). Groups and
rows are listed in the order they ran. Standard library only.

Options:
  --since EPOCH   ignore results older than EPOCH (seconds): bench/run.sh passes its start time so
                  results of benches that no longer exist are not reported
  --notes FILE    bench output to quote: a line "<group id>: <text>" is shown under that group
                  (which file an extractor read, from where, with which baseline)
  --load-start S  the load average when the run started, shown next to the one at report time
  --report FILE   the report to rewrite (default docs/PERFORMANCE.md beside this script)
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

START = "<!-- bench:criterion:start -->"
END = "<!-- bench:criterion:end -->"
HEADER = """# Performance

Benchmark results for airlock. Each benchmark rewrites only its own section, between its
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers; text outside the markers is
kept. Absolute times depend on the machine; compare the ratios to the in-run baselines.
"""


def read_results(criterion_dir, since):
    """Every benchmark's ids, throughput and estimates, in the order they ran."""
    results = []
    for estimates_path in criterion_dir.glob("**/new/estimates.json"):
        benchmark_path = estimates_path.with_name("benchmark.json")
        if not benchmark_path.is_file():
            continue
        modified = estimates_path.stat().st_mtime
        if since is not None and modified < since:
            continue
        with open(estimates_path, encoding="utf-8") as handle:
            estimates = json.load(handle)
        with open(benchmark_path, encoding="utf-8") as handle:
            benchmark = json.load(handle)
        median = estimates.get("median") or {}
        interval = median.get("confidence_interval") or {}
        if "point_estimate" not in median:
            continue
        results.append(
            {
                "group": benchmark.get("group_id", "?"),
                "function": benchmark.get("function_id") or "",
                "value": benchmark.get("value_str") or "",
                "throughput": benchmark.get("throughput"),
                "median": float(median["point_estimate"]),
                "lower": float(interval.get("lower_bound", median["point_estimate"])),
                "upper": float(interval.get("upper_bound", median["point_estimate"])),
                "level": float(interval.get("confidence_level", 0.95)),
                "modified": modified,
            }
        )
    results.sort(key=lambda result: (result["modified"], result["group"], result["function"]))
    return results


def duration(nanoseconds):
    if nanoseconds >= 1e9:
        return f"{nanoseconds / 1e9:.3g} s"
    if nanoseconds >= 1e6:
        return f"{nanoseconds / 1e6:.3g} ms"
    if nanoseconds >= 1e3:
        return f"{nanoseconds / 1e3:.3g} µs"
    return f"{nanoseconds:.3g} ns"


def throughput(result):
    """The rate at the median, for a bench that set a throughput."""
    declared = result["throughput"]
    if not declared or result["median"] <= 0:
        return ""
    seconds = result["median"] / 1e9
    if "Bytes" in declared or "BytesDecimal" in declared:
        amount = declared.get("Bytes", declared.get("BytesDecimal"))
        rate = amount / seconds
        if rate >= 1024**3:
            return f"{rate / 1024**3:.2f} GiB/s"
        if rate >= 1024**2:
            return f"{rate / 1024**2:.1f} MiB/s"
        return f"{rate / 1024:.1f} KiB/s"
    if "Elements" in declared:
        rate = declared["Elements"] / seconds
        if rate >= 1e6:
            return f"{rate / 1e6:.2f} M elements/s"
        if rate >= 1e3:
            return f"{rate / 1e3:.1f} K elements/s"
        return f"{rate:.1f} elements/s"
    return ""


def cell(text):
    return str(text).replace("|", "\\|")


def group_table(group, rows, notes):
    baseline = next((row for row in rows if row["function"].startswith("baseline")), None)
    lines = [f"#### {group}", ""]
    for note in notes.get(group, []):
        lines.append(f"- {note}")
    if notes.get(group):
        lines.append("")
    lines.append("| bench | input | median [confidence interval] | throughput | ratio to baseline |")
    lines.append("| --- | --- | --- | --- | --- |")
    for row in rows:
        ratio = ""
        if baseline is not None and baseline["median"] > 0:
            ratio = f"{row['median'] / baseline['median']:.2f}"
        interval = f"{duration(row['lower'])} – {duration(row['upper'])}"
        lines.append(
            f"| {cell(row['function'])} | {cell(row['value'])} | "
            f"**{duration(row['median'])}** [{interval}] | {throughput(row)} | {ratio} |"
        )
    if baseline is None:
        lines.append("")
        lines.append("(no baseline in this group: no ratio)")
    lines.append("")
    return lines


def read_notes(path, groups):
    notes = {}
    if path is None:
        return notes
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            for group in groups:
                prefix = f"{group}: "
                if line.startswith(prefix):
                    notes.setdefault(group, []).append(line[len(prefix):])
    return notes


def machine():
    model, processors = "unknown CPU", 0
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == "model name" and model == "unknown CPU":
                    model = value.strip()
                if name.strip() == "processor":
                    processors += 1
    except OSError:
        pass
    processors = processors or os.cpu_count() or 1
    memory = "unknown memory"
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB RAM"
                    break
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {processors} logical cores, {memory}"


def load_average():
    try:
        with open("/proc/loadavg", encoding="utf-8") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def rustc_version():
    try:
        output = subprocess.run(
            [os.environ.get("RUSTC", "rustc"), "--version"],
            capture_output=True,
            text=True,
            check=True,
        )
        return output.stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def date_utc():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.strip().isdigit() else int(time.time())
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def section(results, notes, load_start):
    lines = [
        "## Criterion benchmarks of the hot paths",
        "",
        "Written by `bench/run.sh` (`cargo bench -p scanner-core --bench hot_paths`, "
        "`cargo bench -p advisories --bench matching`, then `bench/criterion-report.py`); sources "
        "in `scanner-core/benches/hot_paths.rs` and `advisories/benches/matching.rs`. Rerun it "
        "rather than editing this section.",
        "",
        f"- Date: {date_utc()}",
        f"- Machine: {machine()}",
        f"- Load average (1, 5, 15 min): {load_start or 'not recorded'} when the run started, "
        f"{load_average()} when this report was written (the machine is shared: absolute times "
        "move with the load, ratios much less)",
        f"- Compiler: {rustc_version()}, `bench` profile (inherits `release`: fat LTO, one "
        "codegen unit)",
        "- Method: criterion's median point estimate of the time per iteration, with its "
        "bootstrap confidence interval (95 % unless stated); throughput is computed at the "
        "median; the ratio is this bench's median over the median of the group's baseline "
        "(the row named `baseline …`), measured on the same input in the same run.",
        "",
    ]
    if not results:
        lines.append("No criterion results found: run `bench/run.sh`.")
        return "\n".join(lines)
    groups = []
    rows_by_group = {}
    for result in results:
        if result["group"] not in rows_by_group:
            groups.append(result["group"])
            rows_by_group[result["group"]] = []
        rows_by_group[result["group"]].append(result)
    levels = {result["level"] for result in results}
    if levels != {0.95}:
        lines.append(f"Confidence levels in this run: {sorted(levels)}.")
        lines.append("")
    for group in groups:
        lines.extend(group_table(group, rows_by_group[group], notes))
    return "\n".join(lines)


def write_section(report, text):
    block = f"{START}\n{text.rstrip()}\n{END}"
    try:
        with open(report, encoding="utf-8", newline="") as handle:
            existing = handle.read()
    except FileNotFoundError:
        existing = None
    if existing is None:
        updated = f"{HEADER}\n{block}\n"
    else:
        start = existing.find(START)
        end = existing.find(END, start) if start >= 0 else -1
        if start >= 0 and end >= 0:
            updated = existing[:start] + block + existing[end + len(END):]
        else:
            separator = "\n" if existing.endswith("\n") else "\n\n"
            updated = f"{existing}{separator}{block}\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    with open(report, "w", encoding="utf-8", newline="") as handle:
        handle.write(updated)


def main():
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=float)
    parser.add_argument("--notes", type=Path)
    parser.add_argument("--load-start")
    parser.add_argument("--report", type=Path, default=root / "docs" / "PERFORMANCE.md")
    arguments = parser.parse_args()

    target = Path(os.environ.get("CARGO_TARGET_DIR") or root / "target")
    criterion_dir = target / "criterion"
    if not criterion_dir.is_dir():
        print(f"criterion-report: no results under {criterion_dir}", file=sys.stderr)
        return 2
    results = read_results(criterion_dir, arguments.since)
    groups = {result["group"] for result in results}
    notes = read_notes(arguments.notes, groups)
    write_section(arguments.report, section(results, notes, arguments.load_start))
    print(
        f"criterion-report: {len(results)} benchmarks in {len(groups)} groups written to "
        f"{arguments.report} (section between {START} and {END})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
