#!/usr/bin/env python3
"""Writes a synthetic monorepo for airlock's scale benchmark (Python 3 standard library only).

    python3 bench/gen-monorepo.py OUT --scale N        # N units (1x, 10x, 100x)
    python3 bench/gen-monorepo.py OUT --memory-target  # ~2,000 packages + a 10 GiB model folder

One unit is four projects built from real corpus lockfiles (../shared/corpus/projects), each
package renamed with the unit's suffix so that every unit adds *distinct* graph nodes (a copy
of the same lock would be deduplicated by the graph and hide super-linear costs there):

- `unit-K/rust/Cargo.lock`: qdrant's Cargo.lock (912 packages), names and dependency
  references suffixed `-uK`;
- `unit-K/agent/uv.lock`: autogen's uv.lock (522 packages, 1 MB), names suffixed the same way;
- `unit-K/tools/requirements.txt`: 300 pinned packages `tool-uK-J==1.J.0`;
- `unit-K/models/m/`: a `config.json`, a safetensors file of 64 MiB written *sparse* (the header
  is real, the tensor bytes are a hole: no disk used, but every byte is read and hashed), and a
  small plain-data pickle.

So a unit is about 1,734 packages and 64 MiB of weights; 100 units are 300 lockfiles, ~173,000
packages and 6.25 GiB of (sparse) weights. The output is deterministic.
"""

import argparse
import json
import os
import pickle
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("AIRLOCK_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
PROJECTS = os.path.join(CORPUS, "projects")
if not os.path.isdir(PROJECTS):
    PROJECTS = os.path.join(ROOT, "tests", "fixtures", "projects")
CARGO_LOCK = os.path.join(PROJECTS, "qdrant__qdrant__root", "Cargo.lock")
UV_LOCK = os.path.join(PROJECTS, "microsoft__autogen__python", "python", "uv.lock")
MIB = 1024 * 1024


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as handle:
        handle.write(data)


def rename_cargo_lock(text, suffix):
    # `name = "x"` in [[package]] tables, and `"x"`, `"x 1.0.0"`, `"x 1.0.0 (registry+...)"` in
    # dependency arrays: the same rename on both keeps every edge resolvable.
    text = re.sub(r'^name = "([^"]+)"$', lambda m: f'name = "{m.group(1)}{suffix}"', text, flags=re.M)
    return re.sub(r'^ "([^" ]+)( [^"]*)?",$', lambda m: f' "{m.group(1)}{suffix}{m.group(2) or ""}",', text, flags=re.M)


def rename_uv_lock(text, suffix):
    # Package tables and dependency entries both spell `name = "x"`.
    return re.sub(r'name = "([^"]+)"', lambda m: f'name = "{m.group(1)}{suffix}"', text)


def sparse_safetensors(path, size):
    """A valid safetensors file of `size` bytes whose tensor data is a hole."""
    header_budget = 256
    count = (size - 8 - header_budget) // 4
    header = {"weight": {"dtype": "F32", "shape": [count], "data_offsets": [0, count * 4]},
              "__metadata__": {"format": "pt"}}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (header_budget - len(text))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)) + text)
        handle.truncate(8 + len(text) + count * 4)


def model_folder(folder, weights_bytes, shards=1):
    write(os.path.join(folder, "config.json"),
          json.dumps({"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 768}))
    for shard in range(shards):
        name = "model.safetensors" if shards == 1 else f"model-{shard + 1:05d}-of-{shards:05d}.safetensors"
        sparse_safetensors(os.path.join(folder, name), weights_bytes)
    write(os.path.join(folder, "training_args.bin"),
          pickle.dumps({"learning_rate": 5e-5, "epochs": 3, "seed": 42}, protocol=2))


def unit(out, index, cargo, uv):
    suffix = f"-u{index}"
    base = os.path.join(out, f"unit-{index:04d}")
    write(os.path.join(base, "rust", "Cargo.lock"), rename_cargo_lock(cargo, suffix))
    write(os.path.join(base, "agent", "uv.lock"), rename_uv_lock(uv, suffix))
    write(os.path.join(base, "tools", "requirements.txt"),
          "".join(f"tool-u{index}-{j}==1.{j}.0\n" for j in range(300)))
    model_folder(os.path.join(base, "models", "m"), 64 * MIB)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--memory-target", action="store_true")
    args = parser.parse_args()
    cargo = open(CARGO_LOCK, encoding="utf-8").read()
    uv = open(UV_LOCK, encoding="utf-8").read()
    if args.memory_target:
        # 912 + 522 crates/packages from the real locks, plus 566 pins: 2,000 packages.
        write(os.path.join(args.out, "rust", "Cargo.lock"), cargo)
        write(os.path.join(args.out, "agent", "uv.lock"), uv)
        write(os.path.join(args.out, "tools", "requirements.txt"),
              "".join(f"tool-{j}==1.{j}.0\n" for j in range(566)))
        # 10 GiB of weights: ten 1 GiB shards, sparse.
        model_folder(os.path.join(args.out, "models", "big"), 1024 * MIB, shards=10)
    else:
        for index in range(args.scale):
            unit(args.out, index, cargo, uv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
