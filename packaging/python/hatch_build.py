"""The wheel's platform tag, read from the binary it carries (scripts/release, pyproject.toml).

Linux: ``manylinux_2_NN_<arch>``, NN the highest ``GLIBC_2.NN`` symbol version the binary
references (its ELF .gnu.version_r section: what the dynamic loader checks), the arch from the
ELF header. macOS: ``macosx_<major>_<minor>_<arch>`` from the Mach-O LC_BUILD_VERSION minimum
(``universal2`` for a fat arm64 + x86_64 file).

Also a script: ``python hatch_build.py BINARY`` prints the tag (standard library only).
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

BINARY = "aitoearn-rpc"
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}
MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
SHT_GNU_VERNEED = 0x6FFFFFFE


def glibc_versions(data: bytes) -> list[tuple[int, int]]:
    """The GLIBC_X.Y versions an ELF64 little-endian file needs (its Vernaux entries)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    found = []
    for _name, sh_type, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        entry = offset
        for _ in range(info):  # sh_info: the number of Verneed entries
            _vn_version, vn_cnt, _file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
            aux = entry + vn_aux
            for _ in range(vn_cnt):
                _hash, _flags2, _other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                end = data.index(b"\0", strtab + vna_name)
                name = data[strtab + vna_name:end].decode("ascii", "replace")
                match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", name)
                if match:
                    found.append((int(match.group(1)), int(match.group(2))))
                aux += vna_next
            if not vn_next:
                break
            entry += vn_next
    return found


def linux_tag(data: bytes) -> str:
    machine, = struct.unpack_from("<H", data, 0x12)
    arch = ELF_MACHINES.get(machine)
    if arch is None:
        raise ValueError(f"ELF machine {machine} is not one the wheel is built for")
    versions = glibc_versions(data)
    if not versions:
        raise ValueError("the binary references no GLIBC_ symbol version")
    major, minor = max(versions)
    return f"manylinux_{major}_{minor}_{arch}"


def _macho_thin(data: bytes, base: int = 0) -> tuple[str, tuple[int, int]]:
    magic, cputype, _sub, _filetype, ncmds, _sizeofcmds = struct.unpack_from("<IiiIII", data, base)
    if magic != 0xFEEDFACF:
        raise ValueError("not a 64-bit Mach-O file")
    arch = MACHO_CPUS.get(cputype & 0xFFFFFFFF)
    if arch is None:
        raise ValueError(f"Mach-O CPU type {cputype:#x} is not one the wheel is built for")
    at, minos = base + 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd == 0x32:  # LC_BUILD_VERSION: platform, minos (xxxx.yy.zz)
            raw, = struct.unpack_from("<I", data, at + 12)
            minos = (raw >> 16, (raw >> 8) & 0xFF)
        elif cmd == 0x24 and minos is None:  # LC_VERSION_MIN_MACOSX
            raw, = struct.unpack_from("<I", data, at + 8)
            minos = (raw >> 16, (raw >> 8) & 0xFF)
        at += size
    if minos is None:
        raise ValueError("the Mach-O file names no minimum macOS version")
    return arch, minos


def macos_tag(data: bytes) -> str:
    if data[:4] == b"\xca\xfe\xba\xbe":  # fat file: big-endian header
        count, = struct.unpack_from(">I", data, 4)
        slices = [_macho_thin(data, struct.unpack_from(">iiIII", data, 8 + 20 * i)[2]) for i in range(count)]
        archs = {arch for arch, _ in slices}
        arch = "universal2" if archs == {"arm64", "x86_64"} else "_".join(sorted(archs))
        minos = max(m for _, m in slices)
    else:
        arch, minos = _macho_thin(data)
    major, minor = minos
    if major >= 11:
        minor = 0  # from macOS 11 on, wheels name the major version only
    return f"macosx_{major}_{minor}_{arch}"


def platform_tag(path: str | Path) -> str:
    data = Path(path).read_bytes()
    if data[:4] == b"\x7fELF":
        return linux_tag(data)
    return macos_tag(data)


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, without hatchling
    BuildHookInterface = object  # type: ignore[misc,assignment]


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        binary = Path(self.root) / BINARY
        if not binary.is_file():
            raise FileNotFoundError(f"{binary} is missing: build the wheel with scripts/release")
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag(binary)}"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python hatch_build.py BINARY")
    print(platform_tag(sys.argv[1]))
