#!/usr/bin/env python3
"""Writes the binary files of the example's models (Python 3 standard library only).

    python3 examples/agent-stack/models/generate.py

- tiny-summarizer/model.safetensors: two tiny placeholder tensors in the safetensors format
  (the model card and config.json beside it are written by hand).
- legacy-classifier/pytorch_model.bin: a plain-data pickle (protocol 2), the way old
  checkpoints were shared: harmless, but still a pickle.
- community-reranker/reranker.pkl: a *malicious* pickle. `pickle.dumps` of an object whose
  `__reduce__` returns `(os.system, ("echo pwned",))` only records that call; it would run when
  someone unpickles the file. This script never unpickles anything. On Linux and macOS the call
  is recorded as `posix.system`.

The output is byte-for-byte stable: rerunning the script changes nothing.
"""

import json
import os
import pickle
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(relative, data):
    path = os.path.join(HERE, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def safetensors(tensors, metadata):
    header = {}
    data = b""
    for name, (shape, values) in tensors.items():
        payload = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


class RunsAShellCommand:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def main():
    write(
        "tiny-summarizer/model.safetensors",
        safetensors(
            {
                "encoder.embeddings.word_embeddings.weight": ([2, 3], [0.125, -0.25, 0.5, 0.75, -1.0, 0.0625]),
                "decoder.cls.predictions.bias": ([4], [0.0, 0.5, -0.5, 1.0]),
            },
            {"format": "pt"},
        ),
    )
    write(
        "legacy-classifier/pytorch_model.bin",
        pickle.dumps(
            {
                "classifier.weight": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]],
                "classifier.bias": [0.01, -0.01],
                "labels": ["not_relevant", "relevant"],
            },
            protocol=2,
        ),
    )
    write("community-reranker/reranker.pkl", pickle.dumps(RunsAShellCommand(), protocol=4))


if __name__ == "__main__":
    main()
