#!/usr/bin/env bash
# Peak memory and time of `airlock scan` on a ~20 GB model folder (issue 21, "a scan of a 20 GB
# model folder stays under 100 MB of memory").
#
# Usage: bench/model-folder-memory.sh [AIRLOCK_BINARY] [GIB_PER_SHARD] [SHARDS] [PICKLE_GIB]
#   defaults: target/release/airlock, 4 GiB x 4 safetensors shards, a 4 GiB pickle .bin (20 GiB)
#
# The folder is written into a fresh directory under $TMPDIR (default /tmp) and deleted at the
# end, whatever happens. The bulk is sparse: each safetensors shard is a valid header (one U8
# tensor covering the whole shard) followed by a hole, and pytorch_model.bin is a protocol-4
# pickle whose one BINBYTES8 payload is a hole. So the folder takes almost no disk, but every
# byte is still read: airlock hashes each weights file whole (SHA-256, streamed), and the kernel
# serves a hole as zeros from memory, so the time measures hashing plus the page cache, not
# disk bandwidth. Memory is what this measures: the file sizes, counts and code paths are
# those of a real 20 GB checkpoint.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=${1:-target/release/airlock}
shard_gib=${2:-4}
shards=${3:-4}
pickle_gib=${4:-4}

if [[ ! -x $binary ]]; then
    echo "no airlock binary at $binary (cargo build --release, or pass its path)" >&2
    exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi

folder=$(mktemp -d "${TMPDIR:-/tmp}/airlock-20gb-model.XXXXXX")
trap 'rm -rf "$folder"' EXIT

python3 - "$folder/model" "$shard_gib" "$shards" "$pickle_gib" <<'PYTHON'
import json, os, struct, sys

folder, shard_gib, shards, pickle_gib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(folder)
GIB = 1024 ** 3
weight_map = {}
for index in range(1, shards + 1):
    name = "model-%05d-of-%05d.safetensors" % (index, shards)
    data = shard_gib * GIB
    tensor = "layers.%d.weight" % index
    header = json.dumps({tensor: {"dtype": "U8", "shape": [data], "data_offsets": [0, data]},
                         "__metadata__": {"format": "pt"}}).encode()
    header += b" " * (-len(header) % 8)
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(struct.pack("<Q", len(header)) + header)
        handle.truncate(8 + len(header) + data)  # a hole: zeros on read, no disk
    weight_map[tensor] = name
with open(os.path.join(folder, "model.safetensors.index.json"), "w") as handle:
    json.dump({"metadata": {"total_size": shards * shard_gib * GIB}, "weight_map": weight_map}, handle)
# A protocol-4 pickle: PROTO 4, BINBYTES8 <length> <hole>, STOP.
length = pickle_gib * GIB
with open(os.path.join(folder, "pytorch_model.bin"), "wb") as handle:
    handle.write(b"\x80\x04\x8e" + struct.pack("<Q", length))
    handle.seek(length, os.SEEK_CUR)
    handle.write(b".")
with open(os.path.join(folder, "config.json"), "w") as handle:
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "bfloat16"}, handle)
with open(os.path.join(folder, "tokenizer_config.json"), "w") as handle:
    json.dump({"tokenizer_class": "LlamaTokenizer"}, handle)
with open(os.path.join(folder, "README.md"), "w") as handle:
    handle.write("---\nlicense: apache-2.0\n---\n# bench model\n")
PYTHON

apparent=$(du -s --apparent-size --block-size=1 "$folder" | cut -f1)
on_disk=$(du -s --block-size=1 "$folder" | cut -f1)
echo "folder: $(numfmt --to=iec "$apparent") apparent, $(numfmt --to=iec "$on_disk") on disk ($folder)"

timing="$folder/time.txt"
set +e
/usr/bin/time -v "$binary" scan --no-vuln-db --format json --output "$folder/report.json" "$folder/model" \
    2>"$timing" >/dev/null
status=$?
set -e
if [[ $status -gt 1 ]]; then
    echo "airlock exited $status:" >&2
    cat "$timing" >&2
    exit 2
fi
peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$timing")
elapsed=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$timing")
cpu_user=$(awk -F': ' '/User time/ {print $2}' "$timing")
cpu_system=$(awk -F': ' '/System time/ {print $2}' "$timing")
hashed=$(python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
hashes = sum(1 for c in report.get("components", []) if c.get("hashes"))
print(hashes)
' "$folder/report.json")
echo "airlock: $("$binary" --version 2>/dev/null || echo "$binary")"
echo "peak RSS: $((peak_kib / 1024)) MiB ($peak_kib KiB)"
echo "wall: $elapsed (user ${cpu_user}s, system ${cpu_system}s)"
echo "components with a SHA-256: $hashed; exit code $status"
if [[ $peak_kib -ge $((100 * 1024)) ]]; then
    echo "OVER the 100 MB target" >&2
    exit 1
fi
