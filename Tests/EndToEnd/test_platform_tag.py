"""packaging/python/hatch_build.py, the wheel's platform tag, on files made here: the Mach-O
cases (macOS is not run here) and an aarch64 ELF, besides the real x86_64 binary that
Tests/EndToEnd/test_release.py checks against binutils and auditwheel.
"""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("hatch_build", REPO / "packaging" / "python" / "hatch_build.py")
hatch_build = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(hatch_build)  # type: ignore[union-attr]

ARM64, X86_64 = 0x0100000C, 0x01000007


def macho(cpu: int, minos: tuple[int, int], legacy: bool = False) -> bytes:
    """A thin 64-bit Mach-O header with one version load command."""
    major, minor = minos
    packed = (major << 16) | (minor << 8)
    if legacy:  # LC_VERSION_MIN_MACOSX: cmd, cmdsize, version, sdk
        command = struct.pack("<IIII", 0x24, 16, packed, packed)
    else:  # LC_BUILD_VERSION: cmd, cmdsize, platform (1: macOS), minos, sdk, ntools
        command = struct.pack("<IIIIII", 0x32, 24, 1, packed, packed, 0)
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, cpu, 0, 2, 1, len(command), 0, 0)
    return header + command


def fat(*slices: bytes) -> bytes:
    head = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 4096
    table, body = b"", b""
    for s in slices:
        cpu = struct.unpack_from("<i", s, 4)[0]
        table += struct.pack(">iiIII", cpu, 0, offset + len(body), len(s), 12)
        body += s
    return (head + table).ljust(offset, b"\0") + body


def elf(machine: int, needs: list[str]) -> bytes:
    """A minimal ELF64 file whose .gnu.version_r needs `needs` from libc.so.6."""
    strtab = b"\0libc.so.6\0" + b"".join(n.encode() + b"\0" for n in needs)
    names, at = [], 11
    for n in needs:
        names.append(at)
        at += len(n) + 1
    verneed = struct.pack("<HHIII", 1, len(needs), 1, 16, 0)
    for i, name in enumerate(names):
        verneed += struct.pack("<IHHII", 0, 0, i + 2, name, 16 if i + 1 < len(needs) else 0)
    data_at = 64
    strtab_at = data_at
    verneed_at = strtab_at + len(strtab)
    shoff = verneed_at + len(verneed)
    sections = [
        struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, strtab_at, len(strtab), 0, 0, 1, 0),
        struct.pack("<IIQQQQIIQQ", 0, 0x6FFFFFFE, 0, 0, verneed_at, len(verneed), 1, 1, 8, 0),
    ]
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<H", header, 0x12, machine)
    struct.pack_into("<Q", header, 0x28, shoff)
    struct.pack_into("<HH", header, 0x3A, 64, len(sections))
    return bytes(header) + strtab + verneed + b"".join(sections)


@pytest.mark.parametrize("data, tag", [
    (macho(ARM64, (14, 0)), "macosx_14_0_arm64"),
    (macho(X86_64, (14, 2)), "macosx_14_0_x86_64"),
    (macho(X86_64, (10, 15), legacy=True), "macosx_10_15_x86_64"),
    (fat(macho(ARM64, (14, 0)), macho(X86_64, (14, 0))), "macosx_14_0_universal2"),
    (elf(183, ["GLIBC_2.17", "GLIBC_2.26", "GLIBC_2.2.5", "GLIBC_PRIVATE"]), "manylinux_2_26_aarch64"),
    (elf(62, ["GLIBC_2.9", "GLIBC_2.14"]), "manylinux_2_14_x86_64"),
])
def test_platform_tag_is_read_from_the_binary(tmp_path, data, tag):
    f = tmp_path / "aitoearn-rpc"
    f.write_bytes(data)
    assert hatch_build.platform_tag(f) == tag


def test_a_binary_of_another_cpu_or_without_glibc_versions_is_refused(tmp_path):
    f = tmp_path / "aitoearn-rpc"
    f.write_bytes(elf(40, ["GLIBC_2.17"]))  # 32-bit ARM's machine number
    with pytest.raises(ValueError, match="machine"):
        hatch_build.platform_tag(f)
    f.write_bytes(elf(62, ["GCC_3.0"]))
    with pytest.raises(ValueError, match="GLIBC_"):
        hatch_build.platform_tag(f)
