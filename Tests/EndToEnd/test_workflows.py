"""The GitHub Actions workflows (issue 19): both pass actionlint (with shellcheck on their run:
scripts where it is installed), CI runs ./scripts/test on Linux and macOS, and a release starts
by holding the tag to VERSION (scripts/check-tag, run here with a right and a wrong tag).

scripts/test installs actionlint into .venv-lint/ (scripts/testenv.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
VERSION = (REPO / "VERSION").read_text().strip()
ACTIONLINT = REPO / ".venv-lint" / "bin" / "actionlint"


def text(name: str) -> str:
    return (WORKFLOWS / name).read_text()


def test_both_workflows_pass_actionlint():
    if not ACTIONLINT.exists():
        pytest.skip(f"no {ACTIONLINT.relative_to(REPO)} (scripts/test installs it; see its set-up lines)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert [Path(f).name for f in files] == ["ci.yml", "release.yml"], files
    linted = subprocess.run([str(ACTIONLINT), "-no-color", *files], capture_output=True, text=True, cwd=REPO,
                            timeout=120)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_ci_runs_the_test_script_on_linux_and_macos_for_every_push_and_pull_request():
    ci = text("ci.yml")
    assert re.search(r"^on:\n  push:\n  pull_request:\n", ci, re.M), ci[:400]
    assert ci.count("run: ./scripts/test") == 2
    assert re.search(r"runs-on: ubuntu-", ci) and re.search(r"runs-on: macos-", ci)


def test_release_runs_on_version_tags_and_checks_the_tag_first():
    release = text("release.yml")
    assert re.search(r'^on:\n  push:\n    tags: \["v\*\.\*\.\*"\]', release, re.M)
    assert 'run: scripts/check-tag "$GITHUB_REF_NAME"' in release
    # Every build job waits for that check; publishing waits for every build.
    for job in ("linux", "macos"):
        assert re.search(rf"^  {job}:\n    needs: version$", release, re.M), job
    assert "needs: [linux, macos]" in release
    assert "swift:6.3-amazonlinux2" in release and "ubuntu-24.04-arm" in release
    assert "pypa/gh-action-pypi-publish" in release and "id-token: write" in release


@pytest.mark.parametrize("tag, ok", [(f"v{VERSION}", True), (f"v{VERSION}.1", False), (VERSION, False), ("v0.0.0", False)])
def test_check_tag_accepts_only_v_and_the_version(tag, ok):
    checked = subprocess.run([str(REPO / "scripts" / "check-tag"), tag], capture_output=True, text=True, timeout=30,
                             env={**os.environ})
    assert (checked.returncode == 0) == ok, checked.stderr
    if not ok:
        assert VERSION in checked.stderr and tag in checked.stderr
