#!/usr/bin/env python3
"""Side by side: airlock, picklescan, modelscan, fickling and modelaudit on the generated model
fixtures (tests/fixtures/models-generated/, written by scripts/make-model-fixtures.py).

Usage: bench/model-scanners.py PREFIX [AIRLOCK_BINARY]

The four Python scanners are installed with pip into a virtual environment at PREFIX (created
when missing; put it under /tmp), pinned below. Every tool scans every fixture folder on its
own; a folder counts as *flagged* when the tool's exit code says it found an issue (each tool's
documented convention, below). AIRLOCK_CANARY points into a temporary directory for every run,
and the script fails if the canary ever appears (no scanner may run a payload).

Ground truth per folder: `malicious` (a live payload), `benign`, or `lookalike` (broken or
uninspectable: the right answer is "not known to be safe"). Prints a Markdown table per folder
and a summary (detections out of the malicious folders, false alarms out of the benign ones).
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "models-generated")
PINS = ["picklescan==1.0.5", "fickling==0.1.12", "modelscan==0.8.8", "modelaudit==0.2.54"]

BENIGN = {
    "ext-sav-benign", "zip-container-benign", "sklearn-pipeline", "xgboost-model",
    "lightgbm-model", "joblib-inline-arrays-p2", "joblib-inline-arrays-p4", "builtins-len",
    "main-class", "gguf-template-benign", "tokenizer-config-benign", "keras-benign",
    "savedmodel-benign", "onnx-benign", "nemo-benign", "hashed-configs",
    "keras-h5-benign", "7z-container-benign", "gzip-tar-benign", "onnx-external-benign",
    # The lock-join fixtures hold a scikit-learn pickle: benign; their point is the severity.
    "lock-join-torch-old", "lock-join-torch-new", "lock-join-two-projects", "lock-join-nearest",
    "lock-join-transformers-old",
}
# Broken or uninspectable without a secret: the right answer is "not known to be safe".
LOOKALIKE = {"bin-pickle-lookalike", "7z-encrypted", "7z-declared-bomb"}


def truth(folder):
    if folder in BENIGN:
        return "benign"
    if folder in LOOKALIKE:
        return "lookalike"
    return "malicious"


def install(prefix):
    python = os.path.join(prefix, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", prefix], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", *PINS], check=False)
    return os.path.join(prefix, "bin")


def run(command, canary):
    environment = dict(os.environ, AIRLOCK_CANARY=canary, NO_COLOR="1")
    try:
        # In the canary's temporary directory: fickling writes safety_results.json into its
        # working directory, which must not be the repository.
        result = subprocess.run(command, capture_output=True, timeout=300, env=environment,
                                cwd=os.path.dirname(canary))
    except (OSError, subprocess.TimeoutExpired):
        return None
    # airlock exits 2 when no file of the folder is a format it reads: "not read", as
    # modelscan's exit code 3.
    if result.returncode == 2 and b"nothing airlock reads" in result.stderr:
        return "not read"
    return result.returncode


def verdict(tool, code):
    """flagged / clean / error, from each tool's exit-code convention."""
    if code is None:
        return "error"
    if code == "not read":
        return "not read"
    if tool == "picklescan":  # 0 clean, 1 dangerous globals found, 2 scan error
        return {0: "clean", 1: "flagged"}.get(code, "error")
    if tool == "modelscan":  # 0 no issues, 1 issues, 2 scan error, 3 nothing supported
        return {0: "clean", 1: "flagged", 3: "not read"}.get(code, "error")
    if tool == "fickling":  # --check-safety: 0 likely safe, nonzero otherwise
        return "clean" if code == 0 else "flagged"
    if tool == "modelaudit":  # 0 no issues, 1 issues found, 2 errors
        return {0: "clean", 1: "flagged"}.get(code, "error")
    if tool.startswith("airlock"):  # --fail-on high: 0 below high, 1 high or worse
        return {0: "clean", 1: "flagged"}.get(code, "error")
    return "error"


def files_of(folder):
    path = os.path.join(FIXTURES, folder)
    return sorted(os.path.join(path, name) for name in os.listdir(path))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bin_directory = install(sys.argv[1])
    airlock = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target", "debug", "airlock")
    work = tempfile.mkdtemp(prefix="airlock-bench-")
    canary = os.path.join(work, "canary")
    policy = os.path.join(work, "profiles.toml")
    with open(policy, "w") as handle:
        handle.write('[models]\nprofiles = ["scikit-learn", "xgboost", "lightgbm", "joblib", "numpy"]\n')
    airlock_base = [airlock, "scan", "--no-vuln-db", "--fail-on", "high", "--format", "json", "-o", os.devnull]
    tools = {
        "airlock": lambda folder: [run(airlock_base + [os.path.join(FIXTURES, folder)], canary)],
        "airlock+profiles": lambda folder: [
            run([airlock, "--config", policy] + airlock_base[1:] + [os.path.join(FIXTURES, folder)], canary)
        ],
        "picklescan": lambda folder: [run([os.path.join(bin_directory, "picklescan"), "--path", os.path.join(FIXTURES, folder)], canary)],
        "modelscan": lambda folder: [run([os.path.join(bin_directory, "modelscan"), "-p", os.path.join(FIXTURES, folder)], canary)],
        "fickling": lambda folder: [
            run([os.path.join(bin_directory, "fickling"), "--check-safety", path], canary) for path in files_of(folder)
        ],
        "modelaudit": lambda folder: [run([os.path.join(bin_directory, "modelaudit"), "scan", os.path.join(FIXTURES, folder)], canary)],
    }
    folders = sorted(name for name in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, name)))
    rows = []
    summary = {tool: {"detected": 0, "false alarms": 0, "lookalike flagged": 0, "errors": 0} for tool in tools}
    for folder in folders:
        kind = truth(folder)
        cells = []
        for tool, command in tools.items():
            verdicts = [verdict(tool, code) for code in command(folder)]
            # A folder is flagged when any of its files is (fickling runs per file).
            if "flagged" in verdicts:
                cell = "flagged"
            elif "error" in verdicts:
                cell = "error"
            elif "not read" in verdicts:
                cell = "not read"
            else:
                cell = "clean"
            cells.append(cell)
            if cell == "error":
                summary[tool]["errors"] += 1
            if cell == "flagged":
                if kind == "malicious":
                    summary[tool]["detected"] += 1
                elif kind == "benign":
                    summary[tool]["false alarms"] += 1
                else:
                    summary[tool]["lookalike flagged"] += 1
        rows.append((folder, kind, cells))
    if os.path.exists(canary):
        sys.exit("the canary appeared: a scanner ran a payload")
    malicious = sum(1 for _, kind, _ in rows if kind == "malicious")
    benign = sum(1 for _, kind, _ in rows if kind == "benign")
    names = list(tools)
    print("| fixture | truth | " + " | ".join(names) + " |")
    print("| --- | --- |" + " --- |" * len(names))
    for folder, kind, cells in rows:
        print("| `%s` | %s | %s |" % (folder, kind, " | ".join(cells)))
    print()
    print("| tool | detected (of %d malicious) | false alarms (of %d benign) | look-alike flagged | errors |" % (malicious, benign))
    print("| --- | --- | --- | --- | --- |")
    for tool in names:
        entry = summary[tool]
        print("| %s | %d | %d | %d | %d |" % (tool, entry["detected"], entry["false alarms"], entry["lookalike flagged"], entry["errors"]))


if __name__ == "__main__":
    main()
