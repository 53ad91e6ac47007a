#!/usr/bin/env python3
"""The largest async frames in a build of aitoearn-rpc (a script, not a test: it prints numbers).

    swift build -c release
    python3 bench/async_frames.py [--bin .build/release/aitoearn-rpc] [--top 15] [--match AiToEarn]

Every job in flight holds one frame per async function on its path (the JSON-RPC method, the
job, its poll loop, the status request, the transport), allocated from its task's allocator in
slabs of about 1 KB; a frame larger than a slab takes one of its own. With 1,000 jobs at once
these frames were most of the adapter's heap (massif: 23 of 35 MB), so their sizes are the
figures to watch. The size of each is in its async function pointer (the `...Tu` symbol: a
32-bit relative offset, then the 32-bit context size), read here from the binary's symbol
table; a stripped binary (the installed one) has none, so point --bin at the build's own.
Needs nm and readelf (binutils); names are demangled with `swift demangle` when it is there.
"""
import argparse
import shutil
import struct
import subprocess
import sys
from pathlib import Path


def sections(path: str) -> list[tuple[int, int, int]]:
    """(address, file offset, size) of every section that has file contents."""
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 6 and parts[0].startswith("[") and parts[0] != "[Nr]":
            try:
                rows.append((int(parts[3], 16), int(parts[4], 16), int(parts[5], 16)))
            except ValueError:
                pass
    return rows


def frame_sizes(path: str) -> list[tuple[int, str]]:
    data = Path(path).read_bytes()
    secs = sections(path)
    symbols = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) != 3 or not (parts[2].startswith("$s") and parts[2].endswith("Tu")):
            continue
        addr = int(parts[0], 16)
        for start, offset, size in secs:
            if start <= addr < start + size and offset:
                raw = data[offset + addr - start: offset + addr - start + 8]
                if len(raw) == 8:
                    rows.append((struct.unpack("<iI", raw)[1], parts[2]))
                break
    return sorted(rows, reverse=True)


def demangle(names: list[str]) -> list[str]:
    if not shutil.which("swift"):
        return names
    out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                         capture_output=True, text=True).stdout.splitlines()
    return [o.removeprefix("async function pointer to ") for o in out] if len(out) == len(names) else names


def main() -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(here / ".build/release/aitoearn-rpc"))
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--match", default="AiToEarn", help="only symbols containing this (default: our modules)")
    args = ap.parse_args()
    rows = [r for r in frame_sizes(args.bin) if args.match in r[1]]
    if not rows:
        print(f"no async function pointers in {args.bin} (stripped?)", file=sys.stderr)
        return 1
    shown = rows[:args.top]
    print(f"async frames in {args.bin}: {len(rows)} functions, largest {rows[0][0]:,} bytes, "
          f"{sum(1 for s, _ in rows if s > 984)} above one 984-byte slab")
    for (size, _), name in zip(shown, demangle([n for _, n in shown])):
        print(f"{size:8,} B  {name[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
