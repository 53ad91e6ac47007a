"""Helpers and fixtures shared by the Tests/EndToEnd/test_main_*.py files.

Import the fixtures into a test module with ``from main_support import *``.
Uses rpc.py (the JSON-RPC client) and standin.py (the stand-in service).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest

import rpc
from rpc import REPO, Adapter, expect_result, is_notification, is_response, same_id
from standin import ForwardingProxy, Standin, closed_port

# A distinctive key: it must never show up on stdout, stderr, logs or the trace.
KEY = "sk-e2e-SECRET-7f3a9c1d5e"
OPENRPC_PATH = REPO / "schemas" / "openrpc.json"
ADAPTER_OPTIONS = {"wait", "timeoutMs", "pollIntervalMs", "workDoneToken", "saveTo"}
TASK_PROGRESS_FIELDS = {"requestId", "logId", "status", "poll", "elapsedMs"}
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
LOG_ID_RE = re.compile(r"[0-9a-f]{24}")

__all__ = [
    "KEY", "OPENRPC_PATH", "ADAPTER_OPTIONS", "TASK_PROGRESS_FIELDS", "LOG_ID_RE",
    "standin", "proxy", "start_adapter", "gen", "expect_error", "expect_result", "wait_note",
    "notes_for", "progress_of", "error_paths", "assert_english", "assert_no_http",
    "validate_result", "validate_notification", "validate_error", "openrpc", "closed_port", "Standin",
    "ForwardingProxy", "Adapter", "observe_quiet", "messages_text", "status_changes", "track",
    "_schema_check", "index_of_response",
]


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture
def standin():
    """A running stand-in service accepting KEY; jobs end on their second poll."""
    with Standin(api_key=KEY) as server:
        yield server


@pytest.fixture
def proxy():
    with ForwardingProxy() as p:
        yield p


_tracked: list[tuple[Adapter, dict]] = []


def track(a: Adapter) -> Adapter:
    """Remember which method each request id named, so that `_schema_check` can validate
    every result, error and notification of this adapter against schemas/openrpc.json."""
    sent: dict = {}
    original = a.send

    def send(obj: Any) -> None:
        for m in obj if isinstance(obj, list) else [obj]:
            if isinstance(m, dict) and "id" in m and isinstance(m.get("method"), str):
                sent[json.dumps(m["id"])] = m["method"]
        original(obj)

    a.send = send  # type: ignore[method-assign]
    _tracked.append((a, sent))
    return a


@pytest.fixture(autouse=True)
def _schema_check():
    """After each test: every message of every tracked adapter matches schemas/openrpc.json."""
    _tracked.clear()
    yield
    doc = openrpc()
    tracked = list(_tracked)
    _tracked.clear()
    if doc is None:
        return
    for a, sent in tracked:
        for m in list(a.messages):
            if not isinstance(m, dict):
                continue
            if is_notification(m):
                if doc.params_schema(m["method"]) is not None:
                    doc.validate_notification(m["method"], m.get("params"))
            elif is_response(m):
                method = sent.get(json.dumps(m.get("id")))
                if "result" in m and method and doc.method(method) and "result" in doc.method(method)[0]:
                    doc.validate_result(method, m["result"])
                elif "error" in m and isinstance(m["error"], dict) and "code" in m["error"]:
                    doc.validate_error(m["error"])


def start_adapter(
    factory: Callable[..., Adapter],
    server: Standin | None = None,
    *args: str,
    key: str | None = KEY,
    extra_env: dict[str, str] | None = None,
    framing: str = "ndjson",
    base_url: str | None = None,
    retry_delay: bool = True,
    cwd: str | os.PathLike | None = None,
) -> Adapter:
    """The binary talking to `server` (or `base_url`), with a fast retry backoff."""
    argv: list[str] = []
    url = base_url or (server.base_url if server is not None else None)
    if url is not None:
        argv += ["--base-url", url]
    if retry_delay:
        argv += ["--retry-base-delay-ms", "10"]
    argv += list(args)
    env = dict(extra_env or {})
    if key is not None:
        env["AITOEARN_API_KEY"] = key
    return track(factory(argv, framing=framing, extra_env=env, cwd=cwd))


def gen(**kw: Any) -> dict[str, Any]:
    """image.generate params with a short poll interval."""
    params: dict[str, Any] = {"prompt": "a red fox in the snow", "model": "gpt-image-1", "pollIntervalMs": 10}
    params.update(kw)
    return {k: v for k, v in params.items() if v is not ...}


# ---------------------------------------------------------------------------
# Responses and notifications
# ---------------------------------------------------------------------------


def expect_error(resp: dict, code: int) -> dict:
    """The error object of `resp`, which must carry `code`; data defaults to {} and is checked
    against the OpenRPC document."""
    err = rpc.expect_error(resp, code)
    err.setdefault("data", {})
    validate_error(err)
    return err


def assert_english(err: dict, upstream_message: str | None = None) -> None:
    """The message is the adapter's own English sentence, not the service's text."""
    msg = err["message"]
    assert not CJK.search(msg), f"error message is not English: {msg!r}"
    assert len(msg) >= 10 and re.search(r"[A-Za-z]{3,}", msg), f"not a sentence: {msg!r}"
    if upstream_message is not None:
        assert upstream_message not in msg
        assert err["data"].get("upstreamMessage") == upstream_message, err


def error_paths(err: dict) -> list[str]:
    """The field names named by data.errors[].path ("/n", "n", "$.n", "params.n", ["n"] -> "n")."""
    errors = err.get("data", {}).get("errors")
    assert isinstance(errors, list) and errors, f"-32602 without data.errors: {err!r}"
    names = []
    for e in errors:
        assert isinstance(e, dict) and "path" in e and isinstance(e.get("message"), str), e
        path = e["path"]
        if isinstance(path, list):
            last = str(path[-1]) if path else ""
        else:
            parts = [p for p in re.split(r"[./\[\]]", str(path)) if p and p not in ("$", "params", "#")]
            last = parts[-1] if parts else ""
        names.append(last)
    return names


def wait_note(a: Adapter, method: str, pred: Callable[[dict], bool] | None = None,
              timeout: float = 5.0, after: int = 0, rid: Any = ...) -> dict:
    """Wait for a notification `method` (matching `pred`) among messages[after:].
    With `rid`, fail at once if the response to that request arrives first."""

    def pick():
        for m in a.messages[after:]:
            if is_notification(m) and m["method"] == method and (pred is None or pred(m.get("params") or {})):
                return m
            if rid is not ... and is_response(m) and same_id(m.get("id"), rid):
                raise AssertionError(f"request {rid!r} ended before the awaited {method}: {m!r}")
        return None

    return a._wait_for(pick, timeout, f"notification {method}")


def notes_for(a: Adapter, method: str) -> list[dict]:
    return [n.get("params") for n in a.notifications(method)]


def progress_of(a: Adapter, request_id: Any) -> list[dict]:
    """task.progress params for one request, in order."""
    return [p for p in notes_for(a, "task.progress") if isinstance(p, dict) and same_id(p.get("requestId"), request_id)]


def status_changes(a: Adapter) -> list[dict]:
    return notes_for(a, "status.changed")


def index_of_response(a: Adapter, rid: Any) -> int:
    for i, m in enumerate(a.messages):
        if is_response(m) and same_id(m.get("id"), rid):
            return i
    raise AssertionError(f"no response to {rid!r}")


def messages_text(a: Adapter) -> str:
    return b"".join(a.frames).decode("utf-8", errors="replace")


def assert_no_http(server: Standin) -> None:
    assert server.requests == [], f"no HTTP request expected, the stand-in saw {server.requests!r}"


def observe_quiet(server: Standin, endpoint: str, window: float) -> int:
    """Count requests to `endpoint` that arrive within `window` seconds from now.
    (Absence can only be shown by watching for a while; keep the window short.)"""
    before = server.count(endpoint)
    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        time.sleep(0.02)
    return server.count(endpoint) - before


# ---------------------------------------------------------------------------
# OpenRPC schema validation
# ---------------------------------------------------------------------------


class OpenRPC:
    """schemas/openrpc.json, with jsonschema validation of results and notifications.
    `$ref`s resolve inside the document (e.g. #/components/schemas/TaskStatus)."""

    URI = "urn:aitoearn-rpc:openrpc"

    def __init__(self, path: Path = OPENRPC_PATH):
        import jsonschema  # noqa: F401  (imported here so that a missing package fails loudly)
        import referencing
        import referencing.jsonschema

        self.doc = json.loads(path.read_text(encoding="utf-8"))
        spec = referencing.jsonschema.DRAFT7
        resource = referencing.Resource.from_contents(self.doc, default_specification=spec)
        self.registry = referencing.Registry().with_resource(self.URI, resource)

    def _resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow a top-level {"$ref": "#/..."} (content descriptors may be refs)."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            pointer = node["$ref"][1:]
            node = self.doc
            for part in pointer.split("/")[1:]:
                part = part.replace("~1", "/").replace("~0", "~")
                node = node[int(part)] if isinstance(node, list) else node[part]
            seen += 1
            assert seen < 20, "a $ref loop"
        return node, pointer

    def method(self, name: str) -> tuple[dict, str] | None:
        for i, m in enumerate(self.doc.get("methods", [])):
            m, ptr = self._resolve(m, f"/methods/{i}")
            if m.get("name") == name:
                return m, ptr
        return None

    def notification(self, name: str) -> tuple[dict, str] | None:
        """A notification described as a method, or under x-notifications."""
        found = self.method(name)
        if found:
            return found
        for key in ("x-notifications", "x-server-notifications", "notifications"):
            entries = self.doc.get(key)
            if isinstance(entries, list):
                for i, n in enumerate(entries):
                    n, ptr = self._resolve(n, f"/{key}/{i}")
                    if isinstance(n, dict) and n.get("name") == name:
                        return n, ptr
            elif isinstance(entries, dict) and name in entries:
                n, ptr = self._resolve(entries[name], f"/{key}/{name.replace('~', '~0').replace('/', '~1')}")
                return n, ptr
        return None

    def _validate(self, instance: Any, schema: dict) -> None:
        import jsonschema

        validator = jsonschema.Draft7Validator(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            detail = "\n".join(f"  at {list(e.path)}: {e.message[:300]}" for e in errors[:10])
            raise AssertionError(f"does not match schemas/openrpc.json:\n{detail}\ninstance: {json.dumps(instance)[:1500]}")

    def validate_result(self, method: str, result: Any) -> None:
        found = self.method(method)
        assert found, f"schemas/openrpc.json does not describe method {method}"
        m, ptr = found
        assert "result" in m, f"{method} has no result descriptor"
        _, rptr = self._resolve(m["result"], ptr + "/result")
        self._validate(result, {"$ref": f"{self.URI}#{rptr}/schema"})

    def params_schema(self, name: str) -> dict | None:
        found = self.notification(name)
        if not found:
            return None
        n, ptr = found
        params = n.get("params")
        if isinstance(params, dict):  # a single schema for the whole params object
            _, pptr = self._resolve(params, ptr + "/params")
            inner = params.get("schema") if "schema" in params else None
            return {"$ref": f"{self.URI}#{pptr}" + ("/schema" if inner is not None else "")}
        props, required = {}, []
        for j, p in enumerate(params or []):
            p, pptr = self._resolve(p, f"{ptr}/params/{j}")
            props[p["name"]] = {"$ref": f"{self.URI}#{pptr}/schema"}
            if p.get("required"):
                required.append(p["name"])
        return {"type": "object", "properties": props, "required": required}

    def error_data_schema(self, code: int) -> dict | None:
        """The `data` schema of the error object with this code (components.errors)."""
        errors = self.doc.get("components", {}).get("errors", {})
        for name, e in errors.items():
            e, ptr = self._resolve(e, f"/components/errors/{name}")
            if isinstance(e, dict) and e.get("code") == code and "data" in e:
                return {"$ref": f"{self.URI}#{ptr}/data"}
        return None

    def validate_error(self, err: dict) -> None:
        schema = self.error_data_schema(err["code"])
        if schema is not None:
            self._validate(err.get("data", {}), schema)

    def validate_notification(self, method: str, params: Any) -> None:
        schema = self.params_schema(method)
        assert schema is not None, f"schemas/openrpc.json does not describe notification {method}"
        self._validate(params, schema)


_openrpc_cache: dict[str, OpenRPC] = {}


def openrpc() -> OpenRPC | None:
    """The parsed document, or None while schemas/openrpc.json does not exist yet
    (test_main_discover.py fails on its absence; other tests then skip validation)."""
    if not OPENRPC_PATH.exists():
        return None
    key = str(OPENRPC_PATH.stat().st_mtime_ns)
    if key not in _openrpc_cache:
        _openrpc_cache.clear()
        _openrpc_cache[key] = OpenRPC()
    return _openrpc_cache[key]


def validate_result(method: str, result: Any) -> None:
    doc = openrpc()
    if doc is not None:
        doc.validate_result(method, result)


def validate_notification(note: dict) -> None:
    doc = openrpc()
    if doc is not None and doc.params_schema(note["method"]) is not None:
        doc.validate_notification(note["method"], note.get("params"))


def validate_error(err: dict) -> None:
    """err.data against the schema schemas/openrpc.json gives for its code (if any)."""
    doc = openrpc()
    if doc is not None:
        doc.validate_error(err)
