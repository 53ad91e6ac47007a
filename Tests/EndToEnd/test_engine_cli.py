"""docs/protocol.md §9 and the README: the command line."""

from __future__ import annotations

import re
import subprocess

import pytest

from rpc import METHOD_NOT_FOUND, UNKNOWN_METHOD, clean_env


def run(bin, *args, env=None, timeout=10):
    return subprocess.run(
        [bin, *args],
        stdin=subprocess.DEVNULL,  # if it wrongly starts serving, it sees end of input at once
        capture_output=True,
        env=clean_env(env),
        timeout=timeout,
    )


def test_version(adapter_bin):
    out = run(adapter_bin, "--version")
    assert out.returncode == 0, out
    assert re.fullmatch(r"aitoearn-rpc \S+\n", out.stdout.decode()), out.stdout


def test_help_lists_every_option(adapter_bin):
    out = run(adapter_bin, "--help")
    assert out.returncode == 0, out
    text = out.stdout.decode()
    for option in ("--simulate", "--region", "--base-url", "--api-key-file", "--framing", "--log-level",
                   "--log-file", "--max-message-bytes", "--request-timeout-ms", "--trace-file",
                   "--version", "--help"):
        assert option in text, f"{option} missing from --help"


BAD = {
    "unknown-option": ["--no-such-option"],
    "positional": ["serve"],
    "framing-value": ["--framing", "xml"],
    "framing-missing-value": ["--framing"],
    "log-level-value": ["--log-level", "loud"],
    "max-bytes-not-a-number": ["--max-message-bytes", "abc"],
    "max-bytes-negative": ["--max-message-bytes", "-1"],
    "max-bytes-missing-value": ["--simulate", "--max-message-bytes"],
    "region-value": ["--region", "mars"],
    "request-timeout-not-a-number": ["--request-timeout-ms", "soon"],
    "simulate-delay-not-a-number": ["--simulate", "--simulate-delay-ms", "x"],
    "base-url-plain-http-remote": ["--base-url", "http://example.com"],
    "base-url-garbage": ["--base-url", "not a url"],
    "api-key-file-missing": ["--api-key-file", "/nonexistent/dir/key.txt"],
    "log-file-unwritable": ["--log-file", "/nonexistent/dir/log.txt"],
    "trace-file-unwritable": ["--trace-file", "/nonexistent/dir/trace.ndjson"],
}


@pytest.mark.parametrize("args", list(BAD.values()), ids=list(BAD))
def test_bad_option_exits_2_with_one_line(adapter_bin, args):
    out = run(adapter_bin, *args)
    assert out.returncode == 2, f"status {out.returncode}, stderr {out.stderr!r}"
    assert out.stdout == b"", f"stdout must stay empty: {out.stdout!r}"
    lines = out.stderr.decode(errors="replace").splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"want exactly one line on stderr: {out.stderr!r}"


def test_bad_base_url_from_environment_exits_2(adapter_bin):
    out = run(adapter_bin, env={"AITOEARN_BASE_URL": "http://example.com"})
    assert out.returncode == 2, out
    assert out.stdout == b""
    assert len(out.stderr.decode().splitlines()) == 1, out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--simulate", "--region", "cn", "--log-level", "debug", "--max-message-bytes", "2048",
         "--request-timeout-ms", "1000", "--retry-base-delay-ms", "1", "--simulate-delay-ms", "10"],
        ["--base-url", "http://127.0.0.1:9"],
        ["--base-url", "http://localhost:9", "--region", "global"],
        ["--framing", "auto", "--log-level", "error"],
    ],
    ids=["many", "loopback-http", "localhost-http", "framing-auto"],
)
def test_good_options_serve(adapter_factory, framing, args):
    a = adapter_factory(args, framing=framing)
    assert a.call(UNKNOWN_METHOD)["error"]["code"] == METHOD_NOT_FOUND
    assert a.finish() == 0
