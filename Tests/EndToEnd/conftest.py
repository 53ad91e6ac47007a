"""Shared fixtures for the end-to-end tests. Run everything with `python3 -m pytest e2e`.

The binary is taken from env AITOEARN_RPC_BIN, else <repo>/.build/debug/aitoearn-rpc.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import rpc
from rpc import Adapter


@pytest.fixture(scope="session", autouse=True)
def private_tmpdir():
    """Every adapter of the run gets one TMPDIR; afterwards it must hold no simulator folder.

    The simulator keeps its images in a private folder made for its process and removed at
    exit (README, "Options"): a whole e2e run leaves none behind.
    """
    root = Path(tempfile.mkdtemp(prefix="aitoearn-e2e-tmp-"))
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(root)
    yield root
    if old is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = old
    left = sorted(p.name for p in root.glob("aitoearn-rpc-sim-*"))
    assert not left, f"simulator folders left behind in {root}: {left}"


@pytest.fixture(scope="session")
def adapter_bin() -> str:
    if not os.path.exists(rpc.BIN):
        pytest.fail(f"adapter binary not found at {rpc.BIN}: run `swift build` or set AITOEARN_RPC_BIN")
    return rpc.BIN


@pytest.fixture
def adapter_factory(adapter_bin):
    """`make(args=(), framing="ndjson", env=None, cwd=None, **kw) -> Adapter`.

    Every adapter made is killed at teardown, and the test fails if any of them wrote
    anything to stdout that was not a well-formed frame/message.
    """
    made: list[Adapter] = []

    def make(args=(), framing="ndjson", env=None, cwd=None, **kw) -> Adapter:
        a = Adapter(args=args, env=env, framing=framing, cwd=cwd, **kw)
        made.append(a)
        return a

    yield make

    problems = []
    for a in made:
        try:
            a.assert_clean()  # before kill(): a kill may cut a frame in half
        except AssertionError as e:
            problems.append(f"{a!r}: {e}")
        finally:
            a.kill()
    if problems:
        pytest.fail("stdout violations:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(params=rpc.FRAMINGS)
def framing(request) -> str:
    """Parametrizes a test over both framings."""
    return request.param


@pytest.fixture
def adapter(adapter_factory, framing) -> Adapter:
    """A plain adapter in the current framing (no options)."""
    return adapter_factory(framing=framing)


@pytest.fixture
def sim(adapter_factory, framing) -> Adapter:
    """An adapter running the offline simulator in the current framing."""
    return adapter_factory(["--simulate"], framing=framing)
