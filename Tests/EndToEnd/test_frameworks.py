"""The README's "Agent frameworks" snippets, run for real (no model) against the simulator.

Each snippet is a program, Tests/EndToEnd/frameworks/NAME_snippet.py, that the README shows verbatim
(checked below). Each runs in its own venv, .venv-frameworks/NAME/, holding what
Tests/EndToEnd/frameworks/NAME_requirements.txt lists: scripts/test makes them (scripts/testenv.py), and a
test makes its own if it is missing or stale. A framework that cannot be installed is a skip
that says why, not a failure.

A snippet connects to `aitoearn-rpc --mcp --simulate` (the binary from AITOEARN_RPC_BIN), lists
the tools, calls generate_image (model sim-image) and get_task_status in the same session, and
prints three lines, which are checked here.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

import rpc

sys.path.insert(0, str(rpc.REPO / "scripts"))
import testenv  # noqa: E402

FRAMEWORKS = testenv.frameworks()
README = rpc.REPO / "README.md"
SNIPPET_MARK = re.compile(r"<!-- (Tests/EndToEnd/frameworks/(\w+)_snippet\.py) -->\n```python\n(.*?)```\n", re.S)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# How long a snippet may take: a few seconds of work, plus a cold start of the framework's imports.
SNIPPET_LIMIT_S = 120


def snippet(name: str) -> Path:
    return testenv.FRAMEWORKS_DIR / f"{name}_snippet.py"


def test_every_framework_has_a_snippet_and_requirements():
    assert FRAMEWORKS, "no Tests/EndToEnd/frameworks/*_requirements.txt"
    snippets = sorted(p.name[: -len("_snippet.py")] for p in testenv.FRAMEWORKS_DIR.glob("*_snippet.py"))
    assert snippets == FRAMEWORKS


def test_readme_shows_each_snippet_verbatim():
    """The README's code blocks are the files the tests run: they cannot drift apart."""
    shown = {m.group(2): m.group(3) for m in SNIPPET_MARK.finditer(README.read_text(encoding="utf-8"))}
    assert sorted(shown) == FRAMEWORKS, "README.md: one '<!-- Tests/EndToEnd/frameworks/NAME_snippet.py -->' code block per framework"
    for name, code in shown.items():
        assert code == snippet(name).read_text(encoding="utf-8"), (
            f"README.md's code block for {name} differs from Tests/EndToEnd/frameworks/{name}_snippet.py: copy the file into the README"
        )


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_snippet_runs_against_the_simulator(name, adapter_bin, tmp_path):
    try:
        python = testenv.framework_python(name)
    except testenv.Unavailable as e:
        pytest.skip(f"{name} could not be installed: {e}")
    env = rpc.clean_env({"AITOEARN_RPC_BIN": adapter_bin})
    try:
        run = subprocess.run([str(python), str(snippet(name))], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=SNIPPET_LIMIT_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the {name} snippet took longer than {SNIPPET_LIMIT_S}s; stderr:\n{e.stderr}")
    assert run.returncode == 0, f"the {name} snippet exited {run.returncode}; stderr:\n{run.stderr[-4000:]}"
    lines = run.stdout.splitlines()
    assert len(lines) == 3, f"expected three lines from the {name} snippet, got:\n{run.stdout}"
    assert lines[0] == "tools: generate_image, edit_image, get_task_status, list_image_models, generate_video, list_video_models, list_jobs"
    generated = re.fullmatch(r"generate_image: success ([0-9a-f]{24}) (file://\S+\.png)", lines[1])
    assert generated, lines[1]
    log_id, url = generated.groups()
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    assert log_id in path.name
    # --image-dir images: the simulator's picture is kept in the snippet's folder after the adapter exits.
    assert path.resolve().is_relative_to((tmp_path / "images").resolve()), path
    assert path.read_bytes().startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    # get_task_status found the job in the same session (a new process would not know it).
    assert lines[2] == "get_task_status: success"
