"""Helpers and fixtures shared by the Tests/EndToEnd/test_mcp_*.py files (the MCP face of the binary).

Two ways to drive the binary:

* the official Python MCP SDK (PyPI ``mcp``) over stdio: ``sdk_session(...)``, an async
  context manager around ``mcp.client.Client`` (which probes ``server/discover`` first and
  falls back to ``initialize``), with a ``--trace-file`` of its own;
* raw JSON-RPC over pipes with rpc.py (NDJSON framing, as MCP's stdio transport requires):
  ``mcp_adapter(...)`` opens an MCP session with ``initialize`` + ``notifications/initialized``.

Import with ``from mcp_support import *``. Uses rpc.py and standin.py; changes neither.

Timing: an MCP session polls with the adapter's default interval, so the first status poll
comes FIRST_POLL_S after the submission and the next one NEXT_POLL_GAP_S after that. Tests
that show that polling stopped watch past the moment the next poll was due.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
import urllib.request
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import anyio
import anyio.to_thread
import jsonschema
import jsonschema.validators
import pytest

import rpc
from rpc import Adapter, expect_error, expect_result, is_notification, is_response, same_id
from standin import PNG_SIGNATURE, Standin, noise_png as random_png

# A distinctive key: the stand-in accepts only this one.
KEY = "sk-mcp-e2e-SECRET-51c0ffee"

LATEST = "2025-11-25"
VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
TOOLS = ("generate_image", "edit_image", "get_task_status", "list_image_models", "generate_video", "list_video_models", "list_jobs")
RELATED_TASK = "io.modelcontextprotocol/related-task"
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
LSP_NOTIFICATIONS = ("status.changed", "task.progress", "$/progress")
LOG_ID_RE = re.compile(r"^[0-9a-fA-F]{24}$")

# The adapter's default poll schedule (MCP sessions cannot change it): first poll 1 s after
# the submission, the next 2 s later.
FIRST_POLL_S = 1.0
NEXT_POLL_GAP_S = 2.0
# Margin past the moment a poll was due, for a quiet window to mean "polling stopped".
QUIET_MARGIN_S = 0.7

# No test should take long; a hang fails instead of wedging the suite.
TEST_DEADLINE_S = 20.0

INLINE_CAP = 1_000_000  # "under 1 MB of decoded bytes in total"

# Simulated jobs that end at once.
SIM_FAST = ("--simulate", "--simulate-delay-ms", "0")

__all__ = [
    "KEY", "LATEST", "VERSIONS", "TOOLS", "RELATED_TASK", "LOG_LEVELS", "LSP_NOTIFICATIONS", "LOG_ID_RE",
    "FIRST_POLL_S", "NEXT_POLL_GAP_S", "QUIET_MARGIN_S", "INLINE_CAP", "SIM_FAST",
    "mcp_standin", "image_dir", "run_async", "sdk_session", "SdkSession", "round_trip", "adapter_args",
    "mcp_adapter", "init_params", "tool_call", "call_tool_raw", "expect_error", "expect_result",
    "read_trace", "sent", "received", "request_ids", "responses_to", "assert_no_response_in_trace",
    "quiet_until", "wait_standin", "finish_job", "random_png", "png_b64", "check_png_uri",
    "fetch", "schema_check", "validate_against", "text_of", "structured", "links", "names_field", "parse_iso",
    "progress_notes", "assert_strictly_increasing", "Standin", "Adapter", "is_notification",
    "is_response", "same_id", "PNG_SIGNATURE",
]


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture
def mcp_standin():
    """A running stand-in service accepting KEY. Jobs end on their first poll unless a test
    plans otherwise (``plan_job(pending_polls=None)``: a job that runs until ``finish_job``)."""
    with Standin(api_key=KEY, pending_polls=0) as server:
        yield server


@pytest.fixture
def image_dir(tmp_path) -> Path:
    """Where the adapter saves base64 images (passed as --image-dir to every adapter)."""
    return tmp_path / "images"


def run_async(fn: Callable[[], Any], deadline: float = TEST_DEADLINE_S) -> Any:
    """Run an async test body under anyio with an overall deadline."""

    async def main():
        with anyio.fail_after(deadline):
            return await fn()

    return anyio.run(main)


# ---------------------------------------------------------------------------
# The binary's command line
# ---------------------------------------------------------------------------


def adapter_args(image_dir: Path, *args: str, server: Standin | None = None,
                 trace: Path | None = None) -> list[str]:
    """--image-dir always; --base-url and a fast retry backoff with a stand-in; --trace-file."""
    argv = ["--image-dir", str(image_dir)]
    if server is not None:
        argv += ["--base-url", server.base_url, "--retry-base-delay-ms", "10"]
    if trace is not None:
        argv += ["--trace-file", str(trace)]
    return argv + [str(a) for a in args]


# ---------------------------------------------------------------------------
# The official SDK client
# ---------------------------------------------------------------------------


@dataclass
class SdkSession:
    client: Any  # mcp.client.Client
    trace: Path
    stderr: Path
    messages: list = field(default_factory=list)   # what the SDK's message_handler saw
    logs: list = field(default_factory=list)       # LoggingMessageNotificationParams

    @property
    def stream_errors(self) -> list[Exception]:
        return [m for m in self.messages if isinstance(m, Exception)]

    async def tools(self) -> dict[str, Any]:
        """tools/list by name (SDK Tool models)."""
        listed = await self.client.list_tools()
        return {t.name: t for t in listed.tools}


@asynccontextmanager
async def sdk_session(tmp_path: Path, *args: str, server: Standin | None = None, key: str | None = KEY,
                      image_dir: Path | None = None, **client_kw: Any) -> AsyncIterator[SdkSession]:
    """The binary under the official SDK's ``Client``, by default as a legacy (2025-11-25,
    handshake) client: ``mode="auto"`` makes it a 2026-07-28 client (see test_mcp_modern.py).
    On a clean exit, checks that stdout held only well-formed messages and that no LSP-face
    notification was sent (from the trace)."""
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    trace = tmp_path / f"trace-{time.monotonic_ns()}.ndjson"
    stderr = tmp_path / f"stderr-{time.monotonic_ns()}.txt"
    env = {"AITOEARN_API_KEY": key} if key is not None else {}
    params = StdioServerParameters(
        command=rpc.BIN,
        args=adapter_args(image_dir or tmp_path / "images", *args, server=server, trace=trace),
        env=env,
    )
    session = SdkSession(client=None, trace=trace, stderr=stderr)
    client_kw.setdefault("mode", "legacy")

    async def on_message(message: Any) -> None:
        session.messages.append(message)

    async def on_log(params: Any) -> None:
        session.logs.append(params)

    with open(stderr, "w", encoding="utf-8") as errlog:
        # stdio_client is itself a Transport; built here to send the server's stderr to a file.
        transport = stdio_client(params, errlog=errlog)
        async with Client(transport, message_handler=on_message, logging_callback=on_log, **client_kw) as client:
            session.client = client
            yield session
    assert not session.stream_errors, f"the SDK could not parse the adapter's stdout: {session.stream_errors!r}"
    lsp = [m for m in sent(trace) if is_notification(m) and m["method"] in LSP_NOTIFICATIONS]
    assert not lsp, f"an MCP session got LSP-face notifications: {lsp[:3]!r}"


async def round_trip(client: Any) -> None:
    """One request answered: the adapter is alive and has handled everything sent before it.
    (tools/list, since the SDK deprecates ping.)"""
    await client.list_tools(cache_mode="refresh")


# ---------------------------------------------------------------------------
# Raw JSON-RPC over the binary's stdio
# ---------------------------------------------------------------------------


def init_params(version: str | None = LATEST) -> dict:
    p: dict[str, Any] = {"capabilities": {}, "clientInfo": {"name": "aitoearn-e2e", "version": "0.0.1"}}
    if version is not None:
        p["protocolVersion"] = version
    return p


def mcp_adapter(factory: Callable[..., Adapter], image_dir: Path, *args: str, server: Standin | None = None,
                key: str | None = KEY, version: str | None = LATEST, trace: Path | None = None,
                initialize: bool = True) -> tuple[Adapter, dict | None]:
    """The binary in NDJSON framing; with `initialize`, an MCP session is opened
    (initialize with `version` as protocolVersion, then notifications/initialized)."""
    env = {"AITOEARN_API_KEY": key} if key is not None else {}
    a = factory(adapter_args(image_dir, *args, server=server, trace=trace), framing="ndjson", extra_env=env)
    if not initialize:
        return a, None
    init = expect_result(a.call("initialize", init_params(version)))
    a.notify("notifications/initialized")
    return a, init


def tool_call(name: str, arguments: dict | None = None, token: Any = None, task: dict | None = None) -> dict:
    params: dict[str, Any] = {"name": name}
    if arguments is not None:
        params["arguments"] = arguments
    if token is not None:
        params["_meta"] = {"progressToken": token}
    if task is not None:
        params["task"] = task
    return params


def call_tool_raw(a: Adapter, name: str, arguments: dict | None = None, timeout: float = 8, **kw: Any) -> dict:
    return a.call("tools/call", tool_call(name, arguments, **kw), timeout=timeout)


def progress_notes(a: Adapter, token: Any) -> list[dict]:
    return [m["params"] for m in a.notifications("notifications/progress")
            if isinstance(m.get("params"), dict) and same_id(m["params"].get("progressToken"), token)]


def assert_strictly_increasing(values: list[float], what: str = "progress") -> None:
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values), values
    assert all(b > a for a, b in zip(values, values[1:])), f"{what} is not strictly increasing: {values}"


# ---------------------------------------------------------------------------
# The wire trace (--trace-file): one JSON object per line, dir recv/send/http
# ---------------------------------------------------------------------------


def read_trace(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out


def sent(path: Path) -> list[Any]:
    return [e["message"] for e in read_trace(path) if e.get("dir") == "send" and "message" in e]


def received(path: Path) -> list[Any]:
    return [e["message"] for e in read_trace(path) if e.get("dir") == "recv" and "message" in e]


def request_ids(path: Path, method: str, pred: Callable[[dict], bool] | None = None) -> list[Any]:
    """Ids of the requests `method` the adapter received (params matching `pred`)."""
    return [m["id"] for m in received(path)
            if isinstance(m, dict) and m.get("method") == method and "id" in m
            and (pred is None or pred(m.get("params") or {}))]


def responses_to(path: Path, rid: Any) -> list[dict]:
    return [m for m in sent(path) if is_response(m) and same_id(m.get("id"), rid)]


def assert_no_response_in_trace(path: Path, rid: Any) -> None:
    got = responses_to(path, rid)
    assert not got, f"the adapter answered the cancelled request {rid!r}: {json.dumps(got)[:1000]}"


# ---------------------------------------------------------------------------
# The stand-in
# ---------------------------------------------------------------------------


async def wait_standin(server: Standin, endpoint: str, count: int = 1, answered: bool = False,
                       timeout: float = 5.0) -> list:
    return await anyio.to_thread.run_sync(lambda: server.wait_for(endpoint, count, timeout=timeout, answered=answered))


async def quiet_until(moment: float) -> None:
    """Sleep until time.monotonic() reaches `moment` (an absence can only be shown by watching)."""
    left = moment - time.monotonic()
    if left > 0:
        await anyio.sleep(left)


def finish_job(server: Standin, log_id: str) -> None:
    """A job planned with pending_polls=None ends at its next status poll."""
    server.job(log_id).pending_polls = 0


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------


def png_b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (loopback stand-in)
        return r.read()


def check_png_uri(uri: str, inside: Path | None = None) -> bytes:
    """The bytes behind a resource link, which must be a PNG: a file:// URI (inside `inside`
    when given) or an http URL."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        path = Path(urllib.parse.unquote(parsed.path))
        assert path.is_file(), f"{uri} is not an existing file"
        if inside is not None:
            assert path.resolve().parent == inside.resolve(), f"{path} is not in {inside}"
        data = path.read_bytes()
    elif parsed.scheme in ("http", "https"):
        data = fetch(uri)
    else:
        raise AssertionError(f"a resource link that is neither file:// nor http(s): {uri}")
    assert data.startswith(PNG_SIGNATURE), f"{uri} is not a PNG: {data[:16]!r}"
    return data


# ---------------------------------------------------------------------------
# Schemas and results
# ---------------------------------------------------------------------------


def schema_check(schema: Any, what: str) -> None:
    """A valid JSON Schema (for its declared dialect; 2020-12 when none is declared)."""
    assert isinstance(schema, dict), f"{what} is not a JSON object: {schema!r}"
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise AssertionError(f"{what} is not a valid JSON Schema: {e.message}") from None


def validate_against(instance: Any, schema: dict, what: str) -> None:
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        detail = "\n".join(f"  at {list(e.path)}: {e.message[:300]}" for e in errors[:10])
        raise AssertionError(f"{what} does not match its schema:\n{detail}\ninstance: {json.dumps(instance)[:1500]}")


def text_of(content: list) -> str:
    """All text blocks of a content list (SDK models or raw dicts), joined."""
    out = []
    for c in content:
        kind = c.get("type") if isinstance(c, dict) else getattr(c, "type", None)
        if kind == "text":
            out.append(c["text"] if isinstance(c, dict) else c.text)
    return "\n".join(out)


def structured(result) -> dict:
    """An SDK tool result's structuredContent (which must be there)."""
    assert result.structured_content is not None, f"no structuredContent: {result!r}"
    return result.structured_content


def links(result) -> list:
    """An SDK tool result's resource links."""
    import mcp_types as types

    return [c for c in result.content if isinstance(c, types.ResourceLink)]


def names_field(text: str, name: str) -> bool:
    """`name` appears in `text` as a whole identifier (not inside a longer word)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def parse_iso(value: Any) -> datetime:
    assert isinstance(value, str), f"not an ISO 8601 string: {value!r}"
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AssertionError(f"not an ISO 8601 timestamp: {value!r}") from None
