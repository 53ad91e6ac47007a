"""The one file to ship (README "Build and run": scripts/install): the installed binary, copied
alone into an empty folder, runs a real HTTP call against the stand-in, and needs no Swift
library (ldd lists no libswift* and nothing from the toolchain).

scripts/test installs it into a temporary prefix and names it in AITOEARN_RPC_INSTALLED.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from main_support import *  # noqa: F401,F403

INSTALLED = os.environ.get("AITOEARN_RPC_INSTALLED")
needs_installed = pytest.mark.skipif(not INSTALLED, reason="AITOEARN_RPC_INSTALLED is not set (scripts/test sets it)")


@pytest.fixture
def lone_binary(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    target = folder / "aitoearn-rpc"
    shutil.copy2(INSTALLED, target)
    assert sorted(p.name for p in folder.iterdir()) == ["aitoearn-rpc"]
    return str(target)


@needs_installed
def test_installed_binary_alone_makes_a_real_http_call(lone_binary, adapter_factory, standin):
    a = adapter_factory(["--base-url", standin.base_url], bin=lone_binary, extra_env={"AITOEARN_API_KEY": KEY},
                        cwd=os.path.dirname(lone_binary))
    models = expect_result(a.call("image.models"))
    assert isinstance(models, list) and models, models
    result = expect_result(a.call("image.generate", gen(), timeout=10))
    assert result["status"] == "success"
    assert standin.count("models") == 1 and standin.count("submit") == 1


@needs_installed
def test_installed_binary_needs_no_swift_library(lone_binary):
    if shutil.which("ldd") is None:
        pytest.skip("no ldd on this machine")
    out = subprocess.run(["ldd", lone_binary], capture_output=True, text=True, timeout=10).stdout
    assert "libswift" not in out, out
    assert "/opt/swift" not in out and "usr/lib/swift" not in out, out
    assert "libFoundation" not in out and "libdispatch" not in out, out
