#!/usr/bin/env python3
"""Times airlock against the tools users would pick instead, on the same inputs, in one run.

Called by bench/compare.sh (which builds airlock in release mode and installs the peers); not
run by CI. Each command runs once to warm the page cache, then BENCH_RUNS times (default 5);
the median wall time and CPU time are reported, and peak memory is the largest maximum resident
set size over the runs as reported by GNU time (on Linux it covers the processes the command
waited for, so `cargo cyclonedx` includes its `cargo metadata`). Writes the `bench:compare` section of
docs/PERFORMANCE.md and prints it.
"""

import json
import os
import pickle
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The corpus is a fixed snapshot: measure matching, not the data's age (older builds ignore this).
os.environ["AIRLOCK_MAX_DB_AGE"] = "none"

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "300"))
TOOLS = os.environ["PERF_TOOLS"]
AIRLOCK = os.environ["AIRLOCK"]
CORPUS = os.environ["AIRLOCK_CORPUS"]
# Peers write files beside the inputs (cargo-cyclonedx writes `*.cdx.json` next to each
# manifest): main() points this at a scratch copy of tests/fixtures/projects.
PROJECTS = os.path.join(ROOT, "tests", "fixtures", "projects")
RUSTSEC = os.path.join(CORPUS, "advisories", "rustsec-advisory-db")
EXAMPLE = os.path.join(ROOT, "examples", "agent-stack")
MARK_START = "<!-- bench:compare:start -->"
MARK_END = "<!-- bench:compare:end -->"


def tool(name):
    for candidate in (os.path.join(TOOLS, "venv", "bin", name),
                      os.path.join(TOOLS, "npm", "node_modules", ".bin", name),
                      os.path.join(TOOLS, "cargo", "bin", name)):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def run_once(argv, cwd=None, env=None):
    """(seconds, peak RSS bytes, exit status, stderr tail, CPU seconds) of one run.

    The command runs under GNU time, whose report gives the command's own peak RSS: the
    rusage of a child forked straight from this (large) Python process would count the
    parent's pages copied before exec."""
    with tempfile.NamedTemporaryFile() as report, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *argv], cwd=cwd,
                                 env=env, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        # A blocking wait, with the time limit enforced by a timer: Popen.wait(timeout=...) polls
        # with a doubling sleep, which rounds every time up to the next poll (7.5, 15.6, 31.7,
        # 63.9 ms...) and made runs of 40 ms and 60 ms both read 64 ms.
        timer = threading.Timer(TIMEOUT, child.kill)
        timer.start()
        try:
            child.wait()
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        if elapsed >= TIMEOUT:
            return TIMEOUT, 0, "timeout", "", 0.0
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
        # The first lines that say "error" explain more than a backtrace's last frames.
        tail = [line.strip() for line in lines if "error" in line.lower()][:3] or lines[-3:]
        fields = open(report.name, encoding="utf-8").read().split()[-3:]
    try:
        rss, user, system = int(fields[0]) * 1024, float(fields[1]), float(fields[2])
    except (ValueError, IndexError):
        rss, user, system = 0, 0.0, 0.0
    return elapsed, rss, child.returncode, " / ".join(tail), user + system


def measure(argv, ok_codes=(0,), cwd=None, env=None, output=None):
    """Median seconds and peak RSS over RUNS runs, or the reason it failed."""
    if output and os.path.exists(output):
        os.remove(output)
    seconds, rss, code, tail, _ = run_once(argv, cwd, env)
    if code not in ok_codes:
        return {"error": f"exit {code}: {tail[:300]}"}
    if output and not os.path.exists(output):
        return {"error": f"no output written ({tail[:200]})"}
    times, peaks, cpus = [], [rss], []
    # Slow peers (cdxgen and cyclonedx-py take seconds per project) get fewer timed runs, so the
    # whole run stays within the hour on 2 shared cores: 3 when the warm-up took over 2 s, 1
    # over 10 s (a 20x target does not need a tighter median there).
    for _ in range(RUNS if seconds < 2 else min(RUNS, 3) if seconds < 10 else 1):
        seconds, rss, code, tail, cpu = run_once(argv, cwd, env)
        if code not in ok_codes:
            return {"error": f"exit {code} on a later run: {tail[:300]}"}
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(rss)
    return {"median": statistics.median(times), "min": min(times), "rss": max(peaks),
            "cpu": statistics.median(cpus)}


def count_components(path):
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None
    seen = 0
    stack = list(document.get("components", []))
    while stack:
        component = stack.pop()
        seen += 1
        stack.extend(component.get("components", []))
    return seen


def fmt_time(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_mib(value):
    return f"{value / 1048576:.1f} MiB"


class Table:
    def __init__(self, title, note):
        self.title, self.note, self.rows, self.failures = title, note, [], []

    def add(self, project, airlock, peer_name, peer, extra=""):
        if "error" in peer:
            self.failures.append(f"`{peer_name}` on `{project}`: {peer['error']}")
            return
        if "error" in airlock:
            self.failures.append(f"airlock on `{project}`: {airlock['error']}")
            return
        ratio = airlock["median"] / peer["median"]
        self.rows.append(
            f"| `{project}` | {peer_name} | {fmt_time(airlock['median'])} | "
            f"{fmt_time(peer['median'])} | {ratio:.3f}× ({peer['median'] / airlock['median']:.1f}× faster) | "
            f"{fmt_time(airlock['cpu'])} / {fmt_time(peer['cpu'])} | "
            f"{fmt_mib(airlock['rss'])} | {fmt_mib(peer['rss'])} | {extra} |")

    def render(self):
        lines = [f"### {self.title}", "", self.note, ""]
        if self.rows:
            lines += ["| Input | Peer | airlock median | peer median | airlock/peer (speed-up) "
                      "| CPU time airlock / peer | airlock peak RSS | peer peak RSS | components airlock / peer |",
                      "|---|---|---:|---:|---:|---:|---:|---:|---|"] + self.rows
        if self.failures:
            lines += ["", "Did not run or failed:", ""]
            lines += ["- " + " ".join(f.replace("|", "\\|").split()) for f in self.failures]
        return "\n".join(lines) + "\n"


def airlock_sbom(paths, out):
    return [AIRLOCK, "--quiet", "sbom", *paths, "-f", "cyclonedx-json", "-o", out]


def python_projects():
    """(name, directory, {kind: path}) of the corpus projects holding Python dependency data."""
    found = []
    for name in sorted(os.listdir(PROJECTS)):
        base = os.path.join(PROJECTS, name)
        if not os.path.isdir(base):
            continue
        files = {}
        for directory, _, names in os.walk(base):
            for file in names:
                path = os.path.join(directory, file)
                if file == "uv.lock":
                    files.setdefault("uv", path)
                elif file == "poetry.lock":
                    files.setdefault("poetry", path)
                elif file == "Pipfile.lock":
                    files.setdefault("pipenv", path)
                elif re.match(r"requirements.*\.(txt|lock)$", file):
                    files.setdefault("requirements", path)
        if files:
            found.append((name, base, files))
    return found


def python_sbom(work, table):
    cdxgen = tool("cdxgen")
    cyclonedx_py = tool("cyclonedx-py")
    uv = tool("uv")
    env = dict(os.environ, FETCH_LICENSE="false", CDXGEN_DEBUG_MODE="", CDX_MAVEN_INCLUDE_TEST_SCOPE="")
    projects = python_projects() + [("examples/agent-stack", EXAMPLE,
                                     {"uv": os.path.join(EXAMPLE, "agent", "uv.lock"),
                                      "requirements": os.path.join(EXAMPLE, "agent", "requirements.txt")})]
    for name, base, files in projects:
        mine_out = os.path.join(work, "airlock.cdx.json")
        mine = measure(airlock_sbom([base], mine_out), output=mine_out)
        mine_count = count_components(mine_out)
        peers = []
        if cyclonedx_py:
            # cyclonedx-py has one reader per tool: try those that fit, keep the first that works.
            readers = []
            if "poetry" in files:
                readers.append(("cyclonedx-py poetry", [cyclonedx_py, "poetry", "--of", "JSON", "-o", "{out}", os.path.dirname(files["poetry"])]))
            if "pipenv" in files:
                readers.append(("cyclonedx-py pipenv", [cyclonedx_py, "pipenv", "--of", "JSON", "-o", "{out}", os.path.dirname(files["pipenv"])]))
            if "requirements" in files:
                readers.append(("cyclonedx-py requirements", [cyclonedx_py, "requirements", "--of", "JSON", "-o", "{out}", files["requirements"]]))
            if not readers:
                table.failures.append(f"`cyclonedx-py` on `{name}`: no reader for {', '.join(sorted(files))} "
                                      "(cyclonedx-py reads poetry projects, Pipfile.lock, requirements files and installed environments; not uv.lock or pdm.lock)")
            for reader_name, argv in readers:
                out = os.path.join(work, "peer.cdx.json")
                result = measure([a.replace("{out}", out) for a in argv], output=out)
                if "error" in result:
                    table.failures.append(f"`{reader_name}` on `{name}`: {result['error']}")
                    continue
                table.add(name, mine, reader_name, result, f"{mine_count} / {count_components(out)}")
                break
        if cdxgen:
            peers.append(("cdxgen --no-install-deps", [cdxgen, "-t", "python", "--no-install-deps", "-o", "{out}", base]))
        for peer_name, argv in peers:
            out = os.path.join(work, "peer.cdx.json")
            result = measure([a.replace("{out}", out) for a in argv], env=env, output=out)
            count = count_components(out) if "error" not in result else None
            table.add(name, mine, peer_name, result, f"{mine_count} / {count}")
        if uv and "uv" in files:
            # Same input for both: uv exports one uv.lock (with its workspace's pyproject.toml
            # files), so airlock is given that uv.lock rather than the whole directory, which
            # may hold other lockfiles (TGI's server has four requirements files beside it).
            lock_out = os.path.join(work, "airlock-uv.cdx.json")
            mine_lock = measure(airlock_sbom([files["uv"]], lock_out), output=lock_out)
            lock_count = count_components(lock_out)
            out = os.path.join(work, "peer.cdx.json")
            argv = [uv, "export", "--format", "cyclonedx1.5", "--frozen", "--offline", "--no-progress",
                    "--all-packages", "--directory", os.path.dirname(files["uv"]), "-o", out]
            result = measure(argv, env=env, output=out)
            count = count_components(out) if "error" not in result else None
            table.add(name, mine_lock, "uv export (airlock given the uv.lock)", result, f"{lock_count} / {count}")


def cargo_projects():
    found = []
    for name in sorted(os.listdir(PROJECTS)):
        lock = os.path.join(PROJECTS, name, "Cargo.lock")
        if os.path.isfile(lock):
            found.append((name, os.path.join(PROJECTS, name)))
    return found


def cargo_sbom(work, table):
    cdxgen = tool("cdxgen")
    cargo_cyclonedx = tool("cargo-cyclonedx")
    # cargo-cyclonedx has no --offline flag; cargo's own setting keeps its `cargo metadata` offline.
    env = dict(os.environ, FETCH_LICENSE="false", CARGO_NET_OFFLINE="true")
    # airlock's own workspace is the one Cargo project whose sources and registry cache are here,
    # so `cargo metadata --offline` (what cargo-cyclonedx runs) can succeed on it.
    own = os.path.join(work, "own-workspace")
    if not os.path.isdir(own):
        shutil.copytree(ROOT, own, ignore=shutil.ignore_patterns("target", ".git", "fixtures", "examples", "*.snap"))
    projects = cargo_projects() + [("airlock's own workspace (sources present)", own)]
    for name, base in projects:
        mine_out = os.path.join(work, "airlock.cdx.json")
        mine = measure(airlock_sbom([base], mine_out), output=mine_out)
        mine_count = count_components(mine_out)
        peers = []
        if cargo_cyclonedx:
            peers.append(("cargo cyclonedx", [cargo_cyclonedx, "cyclonedx", "--format", "json", "--all",
                                              "--manifest-path", os.path.join(base, "Cargo.toml")], None))
        if cdxgen:
            peers.append(("cdxgen", [cdxgen, "-t", "rust", "-o", "{out}", base], "{out}"))
        for peer_name, argv, output in peers:
            out = os.path.join(work, "peer.cdx.json")
            result = measure([a.replace("{out}", out) for a in argv], env=env,
                             output=out if output else None)
            count = None
            if "error" not in result:
                if output:
                    count = count_components(out)
                else:
                    # cargo-cyclonedx writes one `<package>.cdx.json` beside each member manifest.
                    written = [os.path.join(d, f) for d, _, fs in os.walk(base) for f in fs if f.endswith(".cdx.json")]
                    count = sum(count_components(w) or 0 for w in written) if written else None
            table.add(name, mine, peer_name, result, f"{mine_count} / {count}")


def vulnerability_scan(work, table):
    audit = os.environ.get("CARGO_AUDIT") or tool("cargo-audit")
    if not os.path.isdir(os.path.join(RUSTSEC, "crates")):
        table.failures.append(f"the RustSec advisory-db tree is missing ({RUSTSEC})")
        return
    db_copy = os.path.join(work, "rustsec-db")
    if not os.path.isdir(db_copy):
        shutil.copytree(RUSTSEC, db_copy)
    database = os.path.join(work, "rustsec.sqlite3")
    if not os.path.exists(database):
        subprocess.run([AIRLOCK, "--quiet", "--db", database, "db", "import", os.path.join(RUSTSEC, "crates")],
                       check=True, stdout=subprocess.DEVNULL)
    for name, base in cargo_projects():
        lock = os.path.join(base, "Cargo.lock")
        mine = measure([AIRLOCK, "--quiet", "--db", database, "scan", lock, "-f", "json", "--fail-on", "critical"],
                       ok_codes=(0, 1))
        if not audit:
            table.failures.append("cargo-audit is not installed")
            return
        theirs = measure([audit, "audit", "--no-fetch", "--stale", "--db", db_copy, "--file", lock, "--json"],
                         ok_codes=(0, 1))
        table.add(name, mine, "cargo audit --no-fetch", theirs)


def random_bytes(size, seed):
    # Deterministic incompressible bytes without numpy: SHA-256 in counter mode is too slow in
    # Python for hundreds of MiB, so repeat a 1 MiB block of os.urandom-free PRNG output.
    import random
    generator = random.Random(seed)
    block = generator.randbytes(1 << 20)
    return block * (size >> 20) + block[: size & ((1 << 20) - 1)]


def torch_zip(path, tensors_bytes, seed):
    """A PyTorch zip checkpoint: archive/data.pkl (plain data) + storages, written stored."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"step": seed, "names": [f"layer{i}" for i in range(64)]}, protocol=2))
        archive.writestr("archive/version", "3\n")
        archive.writestr("archive/data/0", random_bytes(tensors_bytes, seed))


class Malicious:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def model_folder(work):
    """12 pickles (one malicious), 6 PyTorch zip checkpoints, 2 safetensors: ~420 MiB, real bytes."""
    folder = os.path.join(work, "models")
    if os.path.isdir(folder):
        return folder
    for index in range(12):
        payload = {"weights": random_bytes((index + 1) * (1 << 20), index), "meta": list(range(1000))}
        if index == 5:
            payload = [Malicious(), payload]
        directory = os.path.join(folder, f"pickles-{index}")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "model.pkl"), "wb") as handle:
            handle.write(pickle.dumps(payload, protocol=4))
    for index in range(6):
        directory = os.path.join(folder, f"torch-{index}")
        os.makedirs(directory, exist_ok=True)
        torch_zip(os.path.join(directory, "pytorch_model.bin"), 32 << 20, 100 + index)
    for index in range(2):
        directory = os.path.join(folder, f"st-{index}")
        os.makedirs(directory, exist_ok=True)
        data = random_bytes(64 << 20, 200 + index)
        header = json.dumps({"w": {"dtype": "U8", "shape": [len(data)], "data_offsets": [0, len(data)]}},
                            separators=(",", ":")).encode()
        header += b" " * (-len(header) % 8)
        with open(os.path.join(directory, "model.safetensors"), "wb") as handle:
            handle.write(struct.pack("<Q", len(header)) + header + data)
    return folder


def model_scan(work, table):
    folder = model_folder(work)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    table.note += f" Generated folder: {size / 1048576:.0f} MiB in 20 files."
    for name, target in (("generated model folder", folder), ("examples/agent-stack/models", os.path.join(EXAMPLE, "models"))):
        mine = measure([AIRLOCK, "--quiet", "scan", target, "--no-vuln-db", "-f", "json", "--fail-on", "critical"],
                       ok_codes=(0, 1))
        for peer_name in ("picklescan", "modelscan"):
            path = tool(peer_name)
            if not path:
                table.failures.append(f"`{peer_name}` is not installed")
                continue
            argv = [path, "-p", target]
            # Both exit non-zero when they find something; 0/1 are results, 2+ are errors.
            table.add(name, mine, peer_name, measure(argv, ok_codes=(0, 1)))


def hashing(work, table):
    path = os.path.join(work, "hash", "model.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = random_bytes(512 << 20, 7)
    header = json.dumps({"w": {"dtype": "U8", "shape": [len(data)], "data_offsets": [0, len(data)]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(header)) + header + data)
    del data
    mine = measure([AIRLOCK, "--quiet", "sbom", os.path.dirname(path), "-f", "json", "-o", os.path.join(work, "h.json")])
    theirs = measure(["sha256sum", path])
    table.add("one 512 MiB safetensors file", mine, "sha256sum", theirs)
    os.remove(path)


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    for line in open("/proc/meminfo", encoding="utf-8"):
        if line.startswith("MemTotal"):
            memory = int(line.split()[1]) * 1024
    return f"{model}, {os.cpu_count()} logical cores, {memory / (1 << 30):.1f} GiB RAM, {platform.system()} {platform.release()}"


def versions():
    lines = []
    for label, argv in (("airlock", [AIRLOCK, "--version"]), ("cdxgen", [tool("cdxgen"), "--version"]),
                        ("cyclonedx-py", [tool("cyclonedx-py"), "--version"]), ("uv", [tool("uv"), "--version"]),
                        ("cargo-cyclonedx", [tool("cargo-cyclonedx"), "cyclonedx", "--version"]),
                        ("cargo-audit", [os.environ.get("CARGO_AUDIT") or tool("cargo-audit"), "audit", "--version"]),
                        ("picklescan", [tool("pip") or "pip", "show", "picklescan"]),
                        ("modelscan", [tool("modelscan"), "--version"])):
        if not argv[0]:
            lines.append(f"{label}: not installed")
            continue
        try:
            text = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
        except OSError as error:
            text = str(error)
        if label == "picklescan":
            text = next((l for l in text.splitlines() if l.startswith("Version")), "").replace("Version: ", "picklescan ")
        first = re.sub(r"\x1b\[[0-9;]*m", "", text.strip().splitlines()[0]) if text.strip() else "no version output"
        # Cargo subcommands name themselves twice ("cargo-audit-audit 0.22.2").
        first = first.replace("cargo-cyclonedx-cyclonedx", "cargo-cyclonedx").replace("cargo-audit-audit", "cargo-audit")
        lines.append(first if label in first.lower() or label == "cdxgen" else f"{label} {first}")
    return lines


def main():
    global PROJECTS, EXAMPLE
    work = os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="airlock-compare-")
    if not os.path.isdir(os.path.join(work, "projects")):
        shutil.copytree(PROJECTS, os.path.join(work, "projects"))
        shutil.copytree(EXAMPLE, os.path.join(work, "agent-stack"))
    PROJECTS = os.path.join(work, "projects")
    EXAMPLE = os.path.join(work, "agent-stack")
    load = " ".join(open("/proc/loadavg", encoding="utf-8").read().split()[:3])
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    tasks = [
        ("python", Table("SBOM of a Python project",
                         "airlock: `airlock sbom DIR -f cyclonedx-json -o FILE` on the whole project directory. "
                         "cyclonedx-py reads the one lock it supports; cdxgen: `cdxgen -t python --no-install-deps`; "
                         "uv: `uv export --format cyclonedx1.5 --frozen --offline --all-packages` in the uv.lock's directory, "
                         "against `airlock sbom PATH/uv.lock`: the same input for both, the lock and the pyproject.toml files of its workspace."),
         python_sbom),
        ("cargo", Table("SBOM of a Cargo project",
                        "airlock: `airlock sbom DIR -f cyclonedx-json`; `cargo cyclonedx --format json --all` with CARGO_NET_OFFLINE=true (runs `cargo metadata`); `cdxgen -t rust`."),
         cargo_sbom),
        ("audit", Table("Vulnerability scan of a Cargo.lock (same RustSec data)",
                        "Both read the corpus copy of RustSec's advisory-db: cargo-audit from a copy of the git tree "
                        "(`cargo audit --no-fetch --stale --db DIR --file Cargo.lock --json`), airlock from a database imported "
                        "once from the same markdown files (`airlock --db FILE scan Cargo.lock -f json`); the import is not timed. "
                        "airlock's scan also runs its risk rules."),
         vulnerability_scan),
        ("models", Table("Model folder scan",
                         "airlock: `airlock scan DIR --no-vuln-db -f json` (opens every weights file, reads pickle opcodes, "
                         "*and hashes every byte with SHA-256*); picklescan/modelscan: `-p DIR` (opcode scan, no hashing)."),
         model_scan),
        ("hashing", Table("Model hashing through the CLI",
                          "A 512 MiB safetensors file of pseudo-random bytes, from the page cache: `airlock sbom DIR` (walk, header "
                          "parse, SHA-256 of the file) vs `sha256sum FILE`. Target: airlock/peer ≤ 1.11 (≥ 0.9× the throughput). "
                          "The library-level measurement is in the model-hashing section."),
         hashing),
    ]
    only = set(sys.argv[1:])
    sections = []
    for key, table, function in tasks:
        if only and key not in only:
            continue
        table_load = " ".join(open("/proc/loadavg", encoding="utf-8").read().split()[:3])
        print(f"== {table.title} (load {table_load})", file=sys.stderr, flush=True)
        function(work, table)
        table.note += f" Load average when the table started: {table_load}."
        sections.append(table.render())
        print(table.render(), file=sys.stderr, flush=True)
    body = "\n".join([
        MARK_START,
        "## Against the alternatives",
        "",
        "Written by `bench/compare.sh` (runner `bench/compare.py`); rerun it rather than editing this section.",
        "",
        f"- Date: {started}",
        f"- Machine: {machine()}",
        f"- Load average at start (1/5/15 min): {load}. The 2 cores are shared with other engineers' builds: "
        "absolute times are noisy, and each table gives its own load.",
        f"- Method: one warm-up run, then {RUNS} timed runs of each command (3 when the warm-up took over 2 s, 1 over 10 s), one tool after the other on each input; median wall "
        "time, and the median CPU time (user + sys, children included: less sensitive to the shared machine than wall time); peak memory is the largest maximum resident set size reported by GNU `time` (`%M`) over the runs, child processes included. "
        "airlock is the release build (`[profile.release]` of the workspace).",
        "- Versions: " + "; ".join(versions()),
        "",
        *sections,
        MARK_END,
    ])
    target = os.path.join(ROOT, "docs", "PERFORMANCE.md")
    text = open(target, encoding="utf-8").read()
    if MARK_START in text and not only:
        text = text[: text.index(MARK_START)] + body + text[text.index(MARK_END) + len(MARK_END):]
    elif not only:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    if not only:
        open(target, "w", encoding="utf-8").write(text)
    print(body)
    if not os.environ.get("BENCH_WORK"):
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
