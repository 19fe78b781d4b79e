#!/usr/bin/env bash
# Rebuilds venv/, the example's installed environment, offline: pip installs the wheels of
# wheelhouse/ (no package index) with --require-hashes against requirements.txt, then what is
# machine-specific and not written by pip is stripped (interpreter links, activate scripts), so
# the committed tree is the same on every machine.
# Usage: build.sh [PYTHON]   (default python3; the committed tree was made with CPython 3.11.7
# and pip 23.2.1)
set -euo pipefail
cd "$(dirname "$0")"
python="${1:-python3}"
rm -rf venv
"$python" -m venv --without-pip venv
"$python" -m pip --python venv/bin/python install --quiet --no-index --no-compile \
    --no-cache-dir --disable-pip-version-check --require-hashes --find-links wheelhouse \
    -r requirements.txt
# The interpreter links point into this machine; activate scripts name this checkout.
find venv -type l -delete
rm -f venv/bin/activate* venv/bin/Activate.ps1
find venv -name __pycache__ -type d -prune -exec rm -rf {} +
find venv -type f | sort | sed -n '1,5p;$p'
echo "$(find venv -type f | wc -l) files in venv/"
