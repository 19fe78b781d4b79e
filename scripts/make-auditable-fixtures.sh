#!/usr/bin/env bash
# Rebuilds tests/fixtures/cargo-auditable/ (issue 20, item 4): Rust binaries whose `.dep-v0`
# section holds the dependency list `cargo auditable` embeds, and broken variants of them.
#
# Needs: cargo-auditable (`cargo install cargo-auditable --locked`; the fixtures were made with
# 0.7.7 and Rust 1.95.0), crates.io access for the demo's three crates, gcc, GNU objcopy
# (binutils 2.40: `pei-x86-64` output) and python3. Run from the repository root. The test
# suite never runs this: it reads the committed files.
#
# What it makes (see the folder's README.md):
#   airlock-auditable-demo   `cargo auditable build --release` of source/ (time 0.1.45, which
#                            RUSTSEC-2020-0071 affects; a path crate; a build dependency)
#   tiny                     a 632-byte static ELF (tiny.c) without the section
#   tiny-audited             tiny + the demo's section (objcopy --add-section)
#   tiny-audited.exe         tiny-audited converted to PE32+ (objcopy -O pei-x86-64)
#   tiny-bad-zlib            tiny + a section that is not a zlib stream
#   tiny-bad-index           tiny + a valid list whose root depends on package 7 of 2
#   tiny-truncated           the first 300 bytes of tiny-audited (no section headers)
#   demo.macho               a hand-made 64-bit Mach-O executable header carrying the section
#   demo-universal.macho     a universal (fat) Mach-O: an arm64 slice without the section,
#                            then demo.macho
set -euo pipefail

fixtures="tests/fixtures/cargo-auditable"
[ -d "$fixtures/source" ] || { echo "error: run from the repository root" >&2; exit 2; }
work="$(mktemp -d -t airlock-auditable-XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The demo: built in a copy, so no target/ or lock change lands in the fixtures.
cp -r "$fixtures/source" "$work/source"
(cd "$work/source" && CARGO_TARGET_DIR="$work/target" cargo auditable build --release --locked)
cp "$work/target/release/airlock-auditable-demo" "$fixtures/airlock-auditable-demo"
strip "$fixtures/airlock-auditable-demo"
objcopy --dump-section .dep-v0="$work/demo.dep" "$fixtures/airlock-auditable-demo" "$work/discard"

gcc -nostdlib -static -Os -s -Wl,--build-id=none -Wl,-n -o "$fixtures/tiny" "$fixtures/tiny.c"
add_section() { # add_section CONTENT OUTPUT
    objcopy --add-section .dep-v0="$1" --set-section-flags .dep-v0=noload,readonly \
        "$fixtures/tiny" "$2"
}
add_section "$work/demo.dep" "$fixtures/tiny-audited"
objcopy -O pei-x86-64 "$fixtures/tiny-audited" "$fixtures/tiny-audited.exe"
printf 'not a zlib stream' > "$work/bad.dep"
add_section "$work/bad.dep" "$fixtures/tiny-bad-zlib"
python3 - "$work/index.dep" <<'PY'
import json, sys, zlib
packages = [
    {"name": "app", "version": "0.1.0", "source": "local", "dependencies": [1, 7], "root": True},
    {"name": "libc", "version": "0.2.191", "source": "crates.io"},
]
open(sys.argv[1], "wb").write(zlib.compress(json.dumps({"packages": packages}).encode()))
PY
add_section "$work/index.dep" "$fixtures/tiny-bad-index"
head -c 300 "$fixtures/tiny-audited" > "$fixtures/tiny-truncated"

python3 - "$work/demo.dep" "$fixtures" <<'PY'
import struct, sys

section = open(sys.argv[1], "rb").read()
out = sys.argv[2]

def macho(cputype, cpusubtype, sectname, data):
    """A 64-bit Mach-O executable header with one __DATA segment holding one section."""
    header_size, segment_size, section_size = 32, 72, 80
    offset = header_size + segment_size + section_size
    total = offset + len(data)
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, cputype, cpusubtype, 2, 1,
                         segment_size + section_size, 0, 0)
    segment = struct.pack("<II16sQQQQiiII", 0x19, segment_size + section_size, b"__DATA",
                          0x100000000, 0x1000, 0, total, 3, 3, 1, 0)
    sect = struct.pack("<16s16sQQIIIIIIII", sectname, b"__DATA", 0x100000000 + offset,
                       len(data), offset, 0, 0, 0, 0, 0, 0, 0)
    return header + segment + sect + data

x86_64 = macho(0x01000007, 3, b".dep-v0", section)
arm64 = macho(0x0100000C, 0, b"__const", b"\0" * 16)
open(f"{out}/demo.macho", "wb").write(x86_64)

def aligned(n):
    return (n + 15) // 16 * 16

first = aligned(8 + 2 * 20)
second = aligned(first + len(arm64))
fat = struct.pack(">II", 0xCAFEBABE, 2)
fat += struct.pack(">iiIII", 0x0100000C, 0, first, len(arm64), 4)
fat += struct.pack(">iiIII", 0x01000007, 3, second, len(x86_64), 4)
fat = fat.ljust(first, b"\0") + arm64
fat = fat.ljust(second, b"\0") + x86_64
open(f"{out}/demo-universal.macho", "wb").write(fat)
PY
ls -l "$fixtures"
