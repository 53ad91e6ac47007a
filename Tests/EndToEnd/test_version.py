"""One version (issue 19): the VERSION file, and everything that reports or expects it.

scripts/embed-version writes VERSION into the files whose format wants it literally; here the
built binary and those files are held to it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from main_support import *  # noqa: F401,F403

REPO = Path(__file__).resolve().parents[2]
VERSION = (REPO / "VERSION").read_text().strip()


def test_version_file_is_one_semantic_version():
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", VERSION), VERSION
    assert (REPO / "VERSION").read_text() == VERSION + "\n"


def test_every_file_that_spells_the_version_out_says_version():
    checked = subprocess.run([str(REPO / "scripts" / "embed-version"), "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert json.loads((REPO / "editors/vscode/package.json").read_text())["version"] == VERSION
    assert json.loads((REPO / "schemas/openrpc.json").read_text())["info"]["version"] == VERSION


def test_the_binary_reports_version_in_version_and_server_info(adapter_bin):
    said = subprocess.run([adapter_bin, "--version"], capture_output=True, text=True, timeout=10)
    assert said.returncode == 0 and said.stdout == f"aitoearn-rpc {VERSION}\n", said
    a = Adapter(["--simulate"])
    try:
        result = expect_result(a.call("initialize", {"processId": None, "capabilities": {}}))
        assert result["serverInfo"] == {"name": "aitoearn-rpc", "version": VERSION}, result["serverInfo"]
        discovered = expect_result(a.call("rpc.discover"))
        assert discovered["info"]["version"] == VERSION
    finally:
        a.kill()
