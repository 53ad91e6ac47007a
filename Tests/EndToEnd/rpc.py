"""A small, strict JSON-RPC 2.0 test client for the aitoearn-rpc binary.

It spawns the binary over pipes, reads stdout on a background thread and splits it
into messages with a STRICT parser for the chosen framing: any byte of stdout that is
not part of a well-formed frame (LSP) or line (NDJSON) is recorded as a protocol error,
and the next call that looks at the output (or the fixture teardown) fails the test.
Every raw frame is kept for later checks. A second thread drains stderr.

Python 3.11 standard library only.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("AITOEARN_RPC_BIN") or str(REPO / ".build" / "debug" / "aitoearn-rpc")
# Time bounds in the tests are for the real binary; a sanitizer build (scripts/test --tsan,
# --asan) runs several times slower and scales them, and every wait for a message, by this.
TIME_SCALE = float(os.environ.get("AITOEARN_TEST_TIME_SCALE", "1"))

FRAMINGS = ("ndjson", "lsp")

# Ids and numbers may have thousands of digits (the fuzz test sends 10,000-digit numbers).
sys.set_int_max_str_digits(0)

_PROXY_VARS = {"http_proxy", "https_proxy", "no_proxy", "all_proxy", "ftp_proxy"}

# Largest LSP header block we accept from the adapter before calling it garbage.
_MAX_HEADER_BLOCK = 4096


class ProtocolError(AssertionError):
    """The adapter wrote something to stdout that is not a well-formed frame/message."""


# JSON-RPC 2.0 error codes and the adapter's own (docs/protocol.md §2, §6).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_CANCELLED = -32800

# Notifications the adapter may send on its own at any time (docs/protocol.md §5).
UNSOLICITED = {"status.changed"}

# A method name that will never exist.
UNKNOWN_METHOD = "test/no.such.method"


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------

def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def frame(body: bytes, framing: str) -> bytes:
    """Frame an already encoded body."""
    if framing == "lsp":
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    if framing == "ndjson":
        if b"\n" in body:
            raise ValueError("an NDJSON body must not contain a newline")
        return body + b"\n"
    raise ValueError(f"unknown framing {framing!r}")


def encode(obj: Any, framing: str) -> bytes:
    return frame(dumps(obj), framing)


def request_obj(method: str, params: Any = None, id: Any = None) -> dict:
    msg = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification_obj(method: str, params: Any = None) -> dict:
    msg = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


# ---------------------------------------------------------------------------
# Strict decoding
# ---------------------------------------------------------------------------

def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _no_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


_decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def strict_loads(body: bytes) -> Any:
    """Parse one JSON text strictly: valid UTF-8, no NaN/Infinity, no duplicate keys."""
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise ProtocolError(f"body is not valid UTF-8: {e}") from None
    try:
        return _decoder.decode(text)
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"body is not valid JSON ({e}): {body[:200]!r}") from None


def same_id(a: Any, b: Any) -> bool:
    """Ids are equal only with the same JSON type (7 != "7", 1 != true, 1 != 1.0)."""
    return type(a) is type(b) and a == b


def _check_error_object(err: Any) -> None:
    if not isinstance(err, dict):
        raise ProtocolError(f"error is not an object: {err!r}")
    extra = set(err) - {"code", "message", "data"}
    if extra:
        raise ProtocolError(f"error has unknown members {sorted(extra)}: {err!r}")
    if type(err.get("code")) is not int:
        raise ProtocolError(f"error.code is not an integer: {err!r}")
    if not isinstance(err.get("message"), str):
        raise ProtocolError(f"error.message is not a string: {err!r}")


def _check_id(value: Any) -> None:
    if value is not None and type(value) not in (int, str, float):
        raise ProtocolError(f"id has a bad type: {value!r}")


def check_message(msg: Any) -> None:
    """Raise ProtocolError unless msg is a well-formed outgoing JSON-RPC 2.0 message:
    a response, a notification, a request, or a non-empty batch of responses."""
    if isinstance(msg, list):
        if not msg:
            raise ProtocolError("the adapter wrote an empty batch")
        for element in msg:
            if not isinstance(element, dict) or "method" in element:
                raise ProtocolError(f"a batch reply holds a non-response: {element!r}")
            check_message(element)
        return
    if not isinstance(msg, dict):
        raise ProtocolError(f"message is neither an object nor an array: {msg!r}")
    if msg.get("jsonrpc") != "2.0":
        raise ProtocolError(f'message lacks "jsonrpc":"2.0": {msg!r}')
    if "method" in msg:
        if not isinstance(msg["method"], str):
            raise ProtocolError(f"method is not a string: {msg!r}")
        extra = set(msg) - {"jsonrpc", "method", "params", "id"}
        if extra:
            raise ProtocolError(f"request/notification has unknown members {sorted(extra)}")
        if "params" in msg and not isinstance(msg["params"], (dict, list)):
            raise ProtocolError(f"params is neither object nor array: {msg!r}")
        if "id" in msg:
            _check_id(msg["id"])
        return
    extra = set(msg) - {"jsonrpc", "id", "result", "error"}
    if extra:
        raise ProtocolError(f"response has unknown members {sorted(extra)}: {msg!r}")
    if "id" not in msg:
        raise ProtocolError(f"response without id: {msg!r}")
    _check_id(msg["id"])
    if ("result" in msg) == ("error" in msg):
        raise ProtocolError(f"response must have exactly one of result/error: {msg!r}")
    if "error" in msg:
        _check_error_object(msg["error"])


def _id_key(value: Any) -> tuple:
    return (type(value).__name__, repr(value))


def is_response(msg: Any) -> bool:
    return isinstance(msg, dict) and "method" not in msg and ("result" in msg or "error" in msg)


def error_code(response: dict) -> int | None:
    err = response.get("error")
    return err.get("code") if isinstance(err, dict) else None


def replies(messages):
    """Everything the adapter wrote except its own unsolicited notifications."""
    return [m for m in messages if not (is_notification(m) and m["method"] in UNSOLICITED)]


def expect_result(resp: dict) -> Any:
    assert "result" in resp, f"expected a result, got {json.dumps(resp)[:2000]}"
    return resp["result"]


def expect_error(resp: dict, code: int) -> dict:
    """The error object of `resp`, which must carry `code` and a message."""
    assert "error" in resp, f"expected error {code}, got a result: {json.dumps(resp)[:2000]}"
    err = resp["error"]
    assert err["code"] == code, f"expected error {code}, got {err!r}"
    assert isinstance(err["message"], str) and err["message"].strip(), err
    return err


def is_notification(msg: Any) -> bool:
    return isinstance(msg, dict) and "method" in msg and "id" not in msg


def assert_null_error(msg: Any, code: int) -> None:
    """`msg` is an error response with `code` and id null (the request's id could not be read)."""
    assert isinstance(msg, dict) and msg.get("id", "missing") is None and error_code(msg) == code, msg


class _Parser:
    """Splits stdout into (raw frame, message) pairs; a subclass cuts the frames (`_cut`)."""

    # What stdout must not end inside of, for the error.
    unit = "a frame"

    def __init__(self) -> None:
        self.buf = bytearray()

    def _cut(self) -> tuple[bytes, bytes] | None:
        """The next whole frame and its body, taken off the buffer; None until one is complete."""
        raise NotImplementedError

    def feed(self, data: bytes) -> list[tuple[bytes, Any]]:
        self.buf += data
        out = []
        while (cut := self._cut()) is not None:
            raw, body = cut
            out.append((raw, strict_loads(body)))
        return out

    def finish(self) -> None:
        if self.buf:
            raise ProtocolError(f"stdout ended inside {self.unit}: {bytes(self.buf[:200])!r}")


class NdjsonParser(_Parser):
    """One JSON text per line, lines end with LF. Nothing else is allowed."""

    unit = "a line"

    def _cut(self) -> tuple[bytes, bytes] | None:
        nl = self.buf.find(b"\n")
        if nl < 0:
            return None
        line = bytes(self.buf[: nl + 1])
        del self.buf[: nl + 1]
        body = line[:-1]
        if not body.strip(b" \t\r"):
            raise ProtocolError(f"empty line on stdout: {line!r}")
        return line, body


_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")


class LspParser(_Parser):
    """`Content-Length: N\\r\\n` (+ optional `Content-Type`), blank line, N bytes of JSON."""

    def _cut(self) -> tuple[bytes, bytes] | None:
        if not self.buf:
            return None
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > _MAX_HEADER_BLOCK:
                raise ProtocolError(f"no header block end in: {bytes(self.buf[:200])!r}")
            # Fail fast on bytes that can never start a header block.
            self._check_partial_header(bytes(self.buf))
            return None
        length = self._parse_headers(bytes(self.buf[:end]))
        start = end + 4
        if len(self.buf) < start + length:
            return None
        raw = bytes(self.buf[: start + length])
        del self.buf[: start + length]
        return raw, raw[start:]

    @staticmethod
    def _check_partial_header(block: bytes) -> None:
        if re.search(rb"(?<!\r)\n|\r(?!\n|$)", block):
            raise ProtocolError(f"bare CR or LF in a header block: {block[:200]!r}")
        for line in block.split(b"\r\n")[:-1]:
            if not _HEADER_LINE.fullmatch(line):
                raise ProtocolError(f"malformed header line {line!r}")
        if block[:1] and not re.match(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]", block[:1]):
            raise ProtocolError(f"stdout is not a header block: {block[:200]!r}")

    @staticmethod
    def _parse_headers(block: bytes) -> int:
        length = None
        seen = set()
        for line in block.split(b"\r\n"):
            m = _HEADER_LINE.fullmatch(line)
            if not m or b"\n" in line or b"\r" in line:
                raise ProtocolError(f"malformed header line {line!r} in {block[:300]!r}")
            name = m.group(1).lower()
            if name in seen:
                raise ProtocolError(f"duplicate header {name!r}")
            seen.add(name)
            if name == b"content-length":
                if not re.fullmatch(rb"[0-9]+", m.group(2)):
                    raise ProtocolError(f"bad Content-Length {line!r}")
                length = int(m.group(2))
            elif name == b"content-type":
                pass
            else:
                raise ProtocolError(f"unexpected header {line!r}")
        if length is None:
            raise ProtocolError(f"header block without Content-Length: {block!r}")
        return length



def make_parser(framing: str):
    return {"ndjson": NdjsonParser, "lsp": LspParser}[framing]()


def clean_env(extra: dict | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AITOEARN_") and k.lower() not in _PROXY_VARS
    }
    if extra:
        env.update(extra)
    return env


# ---------------------------------------------------------------------------
# The adapter process
# ---------------------------------------------------------------------------

class Adapter:
    """The binary as a subprocess, talking JSON-RPC in one framing.

    `args` are passed to the binary; `env=None` means os.environ minus AITOEARN_* and
    proxy variables (`extra_env` is added on top). `validate=True` also checks every
    message against the JSON-RPC 2.0 shape (see check_message).
    """

    def __init__(
        self,
        args: Iterable[str] = (),
        env: dict | None = None,
        framing: str = "ndjson",
        cwd: str | os.PathLike | None = None,
        *,
        extra_env: dict | None = None,
        bin: str | None = None,
        validate: bool = True,
    ) -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {FRAMINGS}")
        self.framing = framing
        self.bin = bin or BIN
        if not os.path.exists(self.bin):
            raise FileNotFoundError(
                f"adapter binary not found at {self.bin}: run `swift build` or set AITOEARN_RPC_BIN"
            )
        self.args = [str(a) for a in args]
        self.validate = validate
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self.messages: list[Any] = []        # every parsed message, in order
        self.frames: list[bytes] = []        # every raw frame (header+body, or line with LF)
        self.times: list[float] = []         # time.monotonic() when each message was parsed
        self.stdout_bytes = 0
        self.errors: list[str] = []          # protocol violations seen on stdout
        self.eof = False                     # stdout closed
        self._consumed: set[int] = set()
        self._cursor = 0
        self._by_id: dict[tuple, collections.deque] = {}   # id key -> indices of responses
        self._notes: collections.deque = collections.deque()  # notification indices, in order
        self._stderr = bytearray()
        self._parser = make_parser(framing)
        self.proc = subprocess.Popen(
            [self.bin, *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(extra_env) if env is None else env,
            cwd=cwd,
            bufsize=0,
        )
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read_stdout, name="adapter-stdout", daemon=True)
        self._drainer = threading.Thread(target=self._read_stderr, name="adapter-stderr", daemon=True)
        self._reader.start()
        self._drainer.start()

    # -- background threads ------------------------------------------------

    def _read_stdout(self) -> None:
        fd = self.proc.stdout.fileno()
        broken = False
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            if broken:
                continue
            try:
                parsed = self._parser.feed(chunk)
                for raw, msg in parsed:
                    if self.validate:
                        check_message(msg)
            except ProtocolError as e:
                broken = True
                parsed = []
                with self._cond:
                    self.errors.append(str(e))
                    self._cond.notify_all()
            now = time.monotonic()
            with self._cond:
                self.stdout_bytes += len(chunk)
                for raw, msg in parsed:
                    index = len(self.messages)
                    self.frames.append(raw)
                    self.messages.append(msg)
                    self.times.append(now)
                    if is_response(msg) and "id" in msg:
                        self._by_id.setdefault(_id_key(msg["id"]), collections.deque()).append(index)
                    elif is_notification(msg):
                        self._notes.append(index)
                self._cond.notify_all()
        with self._cond:
            if not broken:
                try:
                    self._parser.finish()
                except ProtocolError as e:
                    self.errors.append(str(e))
            self.eof = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        fd = self.proc.stderr.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            with self._cond:
                self._stderr += chunk

    # -- writing -----------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, obj: Any) -> None:
        """Frame and write one message or batch (any JSON value)."""
        self.send_raw(encode(obj, self.framing))

    def send_body(self, body: bytes) -> None:
        """Frame and write an already encoded body (may be invalid JSON)."""
        self.send_raw(frame(body, self.framing))

    def next_id(self) -> int:
        return next(self._ids)

    def request(self, method: str, params: Any = None, id: Any = ...) -> Any:
        if id is ...:
            id = self.next_id()
        self.send(request_obj(method, params, id))
        return id

    def notify(self, method: str, params: Any = None) -> None:
        self.send(notification_obj(method, params))

    def close_stdin(self) -> None:
        with self._write_lock:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    # -- reading -----------------------------------------------------------

    def _raise_if_broken(self) -> None:
        if self.errors:
            raise ProtocolError(
                "stdout is not well-formed: " + "; ".join(self.errors) + self._context()
            )

    def _context(self) -> str:
        tail = self.stderr_text()[-2000:]
        msgs = self.messages[-10:]
        return f"\n  last messages: {msgs!r}\n  stderr tail: {tail!r}\n  returncode: {self.proc.poll()}"

    def _wait_for(self, predicate, timeout: float, what: str):
        # A wait is how long to give up after, not a bound under test: it scales like the bounds.
        timeout *= TIME_SCALE
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._raise_if_broken()
                result = predicate()
                if result is not None:
                    return result
                if self.eof:
                    raise AssertionError(f"stdout closed while waiting for {what}{self._context()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}{self._context()}")
                self._cond.wait(remaining)

    def wait_until(self, predicate, timeout: float = 5, what: str = "a condition") -> Any:
        """Wait until predicate() (called under the message lock, whenever output arrives)
        returns a truthy value, and return it. Fails on timeout, end of stdout or bad output."""
        return self._wait_for(lambda: predicate() or None, timeout, what)

    def next_message(self, timeout: float = 5) -> Any:
        """The next message not yet returned by next_message/wait_response."""

        def pick():
            while self._cursor < len(self.messages):
                i = self._cursor
                self._cursor += 1
                if i not in self._consumed:
                    self._consumed.add(i)
                    return (self.messages[i],)
            return None

        return self._wait_for(pick, timeout, "the next message")[0]

    def next_reply(self, timeout: float = 5) -> Any:
        """The next message (as next_message) that is not one of the adapter's own unsolicited
        notifications (UNSOLICITED), which it skips."""
        m = self.next_message(timeout)
        while is_notification(m) and m["method"] in UNSOLICITED:
            m = self.next_message(timeout)
        return m

    def wait_response(self, id: Any, timeout: float = 5) -> tuple[dict, list[dict]]:
        """The first unconsumed top-level response with this exact id (same JSON type),
        and the unconsumed notifications that arrived before it (both marked consumed)."""

        key = _id_key(id)

        def pick():
            candidates = self._by_id.get(key)
            while candidates and candidates[0] in self._consumed:
                candidates.popleft()
            if not candidates:
                return None
            i = candidates.popleft()
            notes = []
            while self._notes and self._notes[0] < i:
                j = self._notes.popleft()
                if j not in self._consumed:
                    notes.append(self.messages[j])
                    self._consumed.add(j)
            self._consumed.add(i)
            return (self.messages[i], notes)

        return self._wait_for(pick, timeout, f"the response to id {id!r}")

    def call(self, method: str, params: Any = None, timeout: float = 5) -> dict:
        rid = self.request(method, params)
        return self.wait_response(rid, timeout)[0]

    def notifications(self, method: str | None = None) -> list[dict]:
        with self._cond:
            return [
                m for m in self.messages
                if is_notification(m) and (method is None or m["method"] == method)
            ]

    def pending(self) -> list[Any]:
        """Messages not yet consumed by next_message/wait_response."""
        with self._cond:
            return [m for i, m in enumerate(self.messages) if i not in self._consumed]

    def wait_count(self, n: int, timeout: float = 5) -> list[Any]:
        """Wait until at least n messages have been received in all; return them all."""
        return self._wait_for(
            lambda: list(self.messages) if len(self.messages) >= n else None,
            timeout, f"{n} messages (have {len(self.messages)})",
        )

    def wait_eof(self, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.eof:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"stdout still open after {timeout}s{self._context()}")
                self._cond.wait(remaining)
        self._reader.join(timeout=1)

    def assert_clean(self) -> None:
        """Fail if anything on stdout so far was not a well-formed frame/message."""
        with self._cond:
            self._raise_if_broken()

    def stderr_text(self) -> str:
        return bytes(self._stderr).decode("utf-8", errors="replace")

    # -- process -----------------------------------------------------------

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_exit(self, timeout: float = 5) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the adapter did not exit within {timeout}s{self._context()}") from None
        self._reader.join(timeout=2)
        self._drainer.join(timeout=2)
        self.assert_clean()
        return rc

    def finish(self, timeout: float = 2) -> int:
        """Close stdin and wait for the exit (all output is then known); the return code."""
        self.close_stdin()
        return self.wait_exit(timeout)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def kill(self) -> None:
        # End of input first: the adapter exits by itself within a second and removes what it made
        # (the simulator's private folder); SIGKILL only if it does not.
        if self.proc.poll() is None:
            try:
                with self._write_lock:
                    self.proc.stdin.close()
                self.proc.wait(timeout=1.5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # The pipes reach EOF once the process is gone; join before closing the fds.
        self._reader.join(timeout=2)
        self._drainer.join(timeout=2)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is self.proc.stdin:
                with self._write_lock:
                    try:
                        stream.close()
                    except Exception:
                        pass
            elif not (self._reader.is_alive() or self._drainer.is_alive()):
                try:
                    stream.close()
                except Exception:
                    pass

    def __enter__(self) -> "Adapter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.kill()

    def __repr__(self) -> str:
        return f"<Adapter pid={self.pid} framing={self.framing} args={self.args}>"
