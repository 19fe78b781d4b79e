#!/usr/bin/env bash
# Peak memory and time of `airlock scan` on a generated container image tarball (issue 20,
# "peak memory stays flat in the size of the image").
#
# Usage: bench/image-memory.sh [AIRLOCK_BINARY] [GIB] [SMALL_FILES]
#   defaults: target/release/airlock, a 5 GiB image, 20,000 small files
#
# The image is a `docker save` archive written into a fresh directory under $TMPDIR (default
# /tmp) and deleted at the end, whatever happens. Three layers:
#   1. plain tar: the bulk, large files of 512 MiB (the last one smaller) written as holes
#      (sparse: no disk, read back as zeros), under /opt/models/ and /data/;
#   2. gzip: SMALL_FILES small files of random bytes (1-8 KiB, `.so`) under /usr/lib/, a
#      site-packages with 50 installed packages (METADATA, RECORD re-hashed), a dpkg status and
#      os-release;
#   3. plain tar: a whiteout deleting one package, one large file replaced (a hole again).
# Every byte is still read: the layers are streamed, every file is hashed (SHA-256), the outer
# archive is indexed by seeking. Holes are served as zeros from memory, so the time measures
# reading, decompressing and hashing, not disk bandwidth. Memory is what this measures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=${1:-target/release/airlock}
gib=${2:-5}
small=${3:-20000}

if [[ ! -x $binary ]]; then
    echo "no airlock binary at $binary (cargo build --release, or pass its path)" >&2
    exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2
    exit 2
fi

folder=$(mktemp -d "${TMPDIR:-/tmp}/airlock-image.XXXXXX")
trap 'rm -rf "$folder"' EXIT

python3 - "$folder/image.tar" "$gib" "$small" <<'PYTHON'
import base64, gzip, hashlib, io, json, os, random, sys, tarfile

path, gib, small = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
GIB, MIB = 1024 ** 3, 1024 ** 2
random.seed(20)
SITE = "usr/local/lib/python3.11/site-packages"


def header(name, size, kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mtime, info.mode = size, kind, 0, 0o644
    return info.tobuf(format=tarfile.GNU_FORMAT)


def pad(size):
    return b"\0" * (-size % 512)


class Member:
    """A member of the outer archive written in place: its header is rewritten at the end,
    once its size is known, so a layer of holes never exists anywhere else."""

    def __init__(self, out, name):
        self.out, self.name, self.start = out, name, out.tell()
        out.write(header(name, 0))
        self.begin = out.tell()

    def close(self):
        end = self.out.tell()
        size = end - self.begin
        self.out.seek(self.start)
        self.out.write(header(self.name, size))
        self.out.seek(end)
        self.out.write(pad(size))


def sparse_file(out, name, size):
    out.write(header(name, size))
    out.seek(size, os.SEEK_CUR)  # a hole: zeros on read, no disk
    out.write(pad(size))


def data_file(out, name, data):
    out.write(header(name, len(data)))
    out.write(data)
    out.write(pad(len(data)))


def installed(name, version):
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    module = os.urandom(2048)

    def row(member, data):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{member},sha256={digest},{len(data)}\n"

    record = (row(f"{dist_info}/METADATA", metadata) + row(f"{name}/__init__.py", module)
              + f"{dist_info}/RECORD,,\n").encode()
    return [(f"{SITE}/{dist_info}/METADATA", metadata), (f"{SITE}/{dist_info}/RECORD", record),
            (f"{SITE}/{name}/__init__.py", module)]


with open(path, "wb") as out:
    layers = []
    # Layer 1: the bulk.
    member = Member(out, "layer1/layer.tar")
    remaining, index = int(gib * GIB), 0
    while remaining > 0:
        size = min(512 * MIB, remaining)
        sparse_file(out, f"{'opt/models' if index % 2 == 0 else 'data'}/blob-{index:04d}.bin", size)
        remaining -= size
        index += 1
    out.write(b"\0" * 1024)
    member.close()
    layers.append("layer1/layer.tar")
    # Layer 2: many small files, site-packages, OS packages (gzip).
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as layer:
        data_file(layer, "etc/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
        data_file(layer, "var/lib/dpkg/status", b"".join(
            f"Package: pkg{n}\nStatus: install ok installed\nVersion: 1.{n}\nArchitecture: amd64\n\n".encode()
            for n in range(200)))
        for n in range(50):
            for name, data in installed(f"package{n}", f"1.{n}.0"):
                data_file(layer, name, data)
        for n in range(small):
            data_file(layer, f"usr/lib/bench/{n // 1000:03d}/libfile-{n:06d}.so",
                      os.urandom(random.randint(1024, 8192)))
        layer.write(b"\0" * 1024)
    blob = buffer.getvalue()
    member = Member(out, "layer2/layer.tar")
    out.write(blob)
    member.close()
    layers.append("layer2/layer.tar")
    # Layer 3: a whiteout and a replaced large file.
    member = Member(out, "layer3/layer.tar")
    data_file(out, f"{SITE}/.wh.package0-1.0.0.dist-info", b"")
    data_file(out, f"{SITE}/.wh.package0", b"")
    sparse_file(out, "opt/models/blob-0000.bin", 64 * MIB)
    out.write(b"\0" * 1024)
    member.close()
    layers.append("layer3/layer.tar")
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    data_file(out, "config.json", config)
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bench/image:latest"], "Layers": layers}]).encode()
    data_file(out, "manifest.json", manifest)
    out.write(b"\0" * 1024)
PYTHON

apparent=$(du -s --apparent-size --block-size=1 "$folder/image.tar" | cut -f1)
on_disk=$(du -s --block-size=1 "$folder/image.tar" | cut -f1)
echo "image: $(numfmt --to=iec "$apparent") apparent, $(numfmt --to=iec "$on_disk") on disk, $small small files"

timing="$folder/time.txt"
set +e
/usr/bin/time -v "$binary" scan --no-vuln-db --format json --output "$folder/report.json" "$folder/image.tar" \
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
counts=$(python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
components = report.get("components", [])
pypi = sum(1 for c in components if c["ecosystem"] == "pypi")
deb = sum(1 for c in components if c["properties"].get("airlock:purl", "").startswith("pkg:deb/"))
print(f"{pypi} PyPI packages, {deb} deb packages")
' "$folder/report.json")
echo "airlock: $("$binary" --version 2>/dev/null || echo "$binary")"
echo "peak RSS: $((peak_kib / 1024)) MiB ($peak_kib KiB)"
echo "wall: $elapsed (user ${cpu_user}s, system ${cpu_system}s)"
echo "found: $counts; exit code $status"
