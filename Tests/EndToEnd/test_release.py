"""What a release ships (issue 19), checked from outside as a user would: scripts/release's
archive, wheel and SHA256SUMS, used with nothing from this repository or the Swift toolchain.

scripts/test runs ``scripts/release --out DIR`` and names DIR in AITOEARN_RELEASE_DIR (and the
build tools' python, which has auditwheel, in AITOEARN_RELEASE_PYTHON). Offline: the wheel is
installed with ``pip install --no-index`` and run with ``uvx --offline``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import anyio
import pytest

from mcp_support import LOG_ID_RE, check_png_uri, links, run_async, structured
from rpc import Adapter, expect_result

REPO = Path(__file__).resolve().parents[2]
VERSION = (REPO / "VERSION").read_text().strip()
RELEASE_DIR = os.environ.get("AITOEARN_RELEASE_DIR")
RELEASE_PYTHON = os.environ.get("AITOEARN_RELEASE_PYTHON")
pytestmark = pytest.mark.skipif(not RELEASE_DIR, reason="AITOEARN_RELEASE_DIR is not set (scripts/test sets it)")

LINUX = sys.platform.startswith("linux")
OS = "linux" if LINUX else "macos"
ARCH = {"amd64": "x86_64", "arm64": "aarch64" if LINUX else "arm64"}.get(os.uname().machine, os.uname().machine)
STEM = f"aitoearn-rpc-{VERSION}-{OS}-{ARCH}"
PLATFORM = rf"manylinux_2_\d+_{ARCH}" if LINUX else rf"macosx_\d+_\d+_{ARCH}"
SYSTEM_PATH = "/usr/bin:/bin"


def release() -> Path:
    return Path(RELEASE_DIR)  # type: ignore[arg-type]


def the_wheel() -> Path:
    wheels = sorted(release().glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def wheel_tag(wheel: Path) -> str:
    m = re.fullmatch(rf"aitoearn_rpc-{re.escape(VERSION)}-py3-none-({PLATFORM})\.whl", wheel.name)
    assert m, f"{wheel.name} is not aitoearn_rpc-{VERSION}-py3-none-{PLATFORM}.whl"
    return m.group(1)


def clean_env(path: str, home: Path) -> dict:
    """Nothing of this run's environment: no Swift, no test venv, no key."""
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "TMPDIR": os.environ.get("TMPDIR", "/tmp")}


def run(argv, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 120)
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def is_elf(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# The files and their checksums
# ---------------------------------------------------------------------------


def test_release_writes_the_archive_the_wheel_and_sha256sums_that_check():
    names = sorted(p.name for p in release().iterdir())
    wheel = the_wheel()
    assert names == sorted([f"{STEM}.tar.gz", wheel.name, "SHA256SUMS"]), names
    listed = [line.split(None, 1) for line in (release() / "SHA256SUMS").read_text().splitlines()]
    assert sorted(name for _, name in listed) == sorted([f"{STEM}.tar.gz", wheel.name]), listed
    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum on this machine")
    checked = run(["sha256sum", "-c", "SHA256SUMS"], cwd=release())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 2, checked.stdout


def test_archive_unpacks_to_one_folder_whose_binary_runs_alone(tmp_path):
    with tarfile.open(release() / f"{STEM}.tar.gz") as tar:
        members = sorted(m.name for m in tar.getmembers())
        assert members == sorted([STEM, f"{STEM}/LICENSE", f"{STEM}/README.md", f"{STEM}/aitoearn-rpc"]), members
        tar.extractall(tmp_path / "unpacked", filter="data")
    folder = tmp_path / "unpacked" / STEM
    assert (folder / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    assert (folder / "README.md").read_text() == (REPO / "README.md").read_text()
    binary = folder / "aitoearn-rpc"
    assert is_elf(binary) and os.access(binary, os.X_OK)
    empty = tmp_path / "empty"
    empty.mkdir()
    # Alone: the file copied into an empty folder, run from there with only the system's PATH.
    lone = empty / "aitoearn-rpc"
    shutil.copy2(binary, lone)
    said = run([str(lone), "--version"], cwd=empty, env=clean_env(SYSTEM_PATH, tmp_path))
    assert said.returncode == 0 and said.stdout == f"aitoearn-rpc {VERSION}\n", said
    a = Adapter(["--simulate", "--simulate-delay-ms", "0"], env=clean_env(SYSTEM_PATH, tmp_path), cwd=empty,
                bin=str(lone))
    try:
        result = expect_result(a.call("image.generate", {"prompt": "a red fox", "model": "sim-image",
                                                         "pollIntervalMs": 50}, timeout=15))
        assert result["status"] == "success", result
        a.assert_clean()
    finally:
        a.kill()
    assert sorted(p.name for p in empty.iterdir()) == ["aitoearn-rpc"], "it wrote nothing beside itself"


# ---------------------------------------------------------------------------
# The wheel
# ---------------------------------------------------------------------------


def test_wheel_holds_only_the_binary_as_a_script_and_is_no_pure_python_wheel():
    wheel = the_wheel()
    tag = wheel_tag(wheel)
    with zipfile.ZipFile(wheel) as z:
        names = sorted(z.namelist())
        payload = [n for n in names if ".dist-info/" not in n]
        assert payload == [f"aitoearn_rpc-{VERSION}.data/scripts/aitoearn-rpc"], names
        info = z.read(f"aitoearn_rpc-{VERSION}.dist-info/WHEEL").decode()
        metadata = z.read(f"aitoearn_rpc-{VERSION}.dist-info/METADATA").decode()
        assert z.read(payload[0])[:4] == b"\x7fELF"
        assert f"aitoearn_rpc-{VERSION}.dist-info/licenses/LICENSE" in names
    assert "Root-Is-Purelib: false" in info, info
    assert f"Tag: py3-none-{tag}" in info, info
    assert f"Version: {VERSION}" in metadata and "Name: aitoearn-rpc" in metadata
    assert "License-Expression: Apache-2.0" in metadata, metadata[:800]


def test_wheel_tag_is_the_highest_glibc_version_the_binary_needs_and_auditwheel_agrees(tmp_path):
    if not LINUX:
        pytest.skip("manylinux tags are Linux's")
    wheel = the_wheel()
    tag = wheel_tag(wheel)
    with zipfile.ZipFile(wheel) as z:
        binary = tmp_path / "aitoearn-rpc"
        binary.write_bytes(z.read(f"aitoearn_rpc-{VERSION}.data/scripts/aitoearn-rpc"))
    # Read independently of packaging/python/hatch_build.py: binutils' view of the version needs.
    tool = shutil.which("objdump") or shutil.which("readelf")
    if tool is None:
        pytest.skip("neither objdump nor readelf on this machine")
    argv = [tool, "-T", str(binary)] if tool.endswith("objdump") else [tool, "-V", "-W", str(binary)]
    dump = run(argv).stdout
    versions = {(int(a), int(b)) for a, b in re.findall(r"GLIBC_(\d+)\.(\d+)", dump)}
    assert versions, dump[:500]
    major, minor = max(versions)
    assert tag == f"manylinux_{major}_{minor}_{ARCH}", (tag, sorted(versions)[-3:])
    if not RELEASE_PYTHON:
        pytest.skip("AITOEARN_RELEASE_PYTHON is not set: no auditwheel to ask")
    shown = run([RELEASE_PYTHON, "-m", "auditwheel", "show", str(wheel)])
    assert shown.returncode == 0, shown.stderr
    said = re.search(r'consistent\s+with\s+the\s+following\s+platform\s+tag:\s+"([^"]+)"', shown.stdout)
    assert said and said.group(1) == tag, shown.stdout


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed, offline (pip install --no-index)."""
    root = tmp_path_factory.mktemp("wheel-venv")
    venv = root / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    installed = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--disable-pip-version-check",
                     "--no-input", str(the_wheel())])
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv


def test_pip_install_no_index_gives_the_binary_itself_on_path(wheel_venv, tmp_path):
    script = wheel_venv / "bin" / "aitoearn-rpc"
    assert script.is_file() and os.access(script, os.X_OK)
    assert is_elf(script), f"{script} is not the binary: {script.read_bytes()[:80]!r}"
    with tarfile.open(release() / f"{STEM}.tar.gz") as tar:
        shipped = tar.extractfile(f"{STEM}/aitoearn-rpc").read()  # type: ignore[union-attr]
    assert hashlib.sha256(shipped).hexdigest() == sha256(script), "the wheel and the archive carry the same file"
    empty = tmp_path / "empty"
    empty.mkdir()
    path = f"{wheel_venv / 'bin'}:{SYSTEM_PATH}"
    env = clean_env(path, tmp_path)
    assert shutil.which("aitoearn-rpc", path=path) == str(script)
    said = run(["aitoearn-rpc", "--version"], cwd=empty, env=env)
    assert said.returncode == 0 and said.stdout == f"aitoearn-rpc {VERSION}\n", said


def test_the_installed_binary_serves_an_mcp_session_to_the_official_sdk(wheel_venv, tmp_path):
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    empty = tmp_path / "empty"
    empty.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(f"{wheel_venv / 'bin'}:{SYSTEM_PATH}", home)
    # The venv's bin/aitoearn-rpc itself, with PATH holding only the venv's bin and the system's.
    params = StdioServerParameters(command=str(wheel_venv / "bin" / "aitoearn-rpc"),
                                   args=["--mcp", "--simulate", "--simulate-delay-ms", "0"],
                                   env=env, cwd=str(empty))

    async def body():
        with open(tmp_path / "stderr.txt", "w", encoding="utf-8") as errlog:
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
                assert client.server_info.name == "aitoearn-rpc"
                assert client.server_info.version == VERSION
                tools = {t.name for t in (await client.list_tools()).tools}
                assert "generate_image" in tools, tools
                return await client.call_tool("generate_image", {"prompt": "a red fox", "model": "sim-image"})

    r = run_async(body)
    assert not r.is_error, r
    sc = structured(r)
    assert sc["status"] == "success" and LOG_ID_RE.match(sc["logId"]), sc
    ls = links(r)
    assert ls, r
    check_png_uri(str(ls[0].uri))
    assert not list(empty.iterdir()), "the session wrote nothing into its working folder"


def test_uvx_offline_runs_the_wheel(tmp_path):
    uvx = shutil.which("uvx", path=str(Path(sys.executable).parent))
    if uvx is None:
        pytest.skip("no uvx in the test venv (Tests/EndToEnd/requirements.txt installs uv)")
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(SYSTEM_PATH, home)
    env.update(UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_TOOL_DIR=str(tmp_path / "uv-tools"),
               UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1", UV_PYTHON=sys.executable)
    said = run([uvx, "--offline", "--from", str(the_wheel()), "aitoearn-rpc", "--version"], cwd=tmp_path, env=env)
    assert said.returncode == 0, said.stderr
    assert said.stdout == f"aitoearn-rpc {VERSION}\n", said


def test_uv_tool_install_offline_puts_the_binary_on_the_tool_path(tmp_path):
    """The README's one-line install, offline from the wheel: `uv tool install` links the binary
    itself into the tool bin folder."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("no uv in the test venv (Tests/EndToEnd/requirements.txt installs it)")
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = tmp_path / "tool-bin"
    env = clean_env(SYSTEM_PATH, home)
    env.update(UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_TOOL_DIR=str(tmp_path / "uv-tools"),
               UV_TOOL_BIN_DIR=str(bin_dir), UV_PYTHON_DOWNLOADS="never", UV_NO_CONFIG="1", UV_PYTHON=sys.executable)
    installed = run([uv, "tool", "install", "--offline", str(the_wheel())], cwd=tmp_path, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    tool = bin_dir / "aitoearn-rpc"
    assert is_elf(tool.resolve()), f"{tool} -> {tool.resolve()} is not the binary"
    empty = tmp_path / "empty"
    empty.mkdir()
    said = run(["aitoearn-rpc", "--version"], cwd=empty, env=clean_env(f"{bin_dir}:{SYSTEM_PATH}", home))
    assert said.returncode == 0 and said.stdout == f"aitoearn-rpc {VERSION}\n", said
