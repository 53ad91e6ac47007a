"""Hardening of the engine end to end: a client that never reads, `"params": null`, ordering at
session start, redaction of the key in every form, odd first bytes and absurd frame lengths.

Each part points at the contract it checks:

1. docs/protocol.md §3 ("End of input, SIGTERM and SIGINT ... also when the client no longer
   reads stdout"), README "The protocol in short" (exit, parent death): five ways to end the
   process, each within one second, while stdout is a full pipe nobody reads.
2. The same never-read stdout under 10,000 requests: bounded memory (README "Performance":
   <= 64 MB), and SIGTERM still works. The design this relies on (not in the docs; see
   Sources/JSONRPC/Transport/OutputWriter.swift and InputReader.swift): past 8 MB of queued
   output the reader stops reading input, so a client's writes block instead.
3. docs/protocol.md §2 (`"params": null` means the same as no params, for requests and
   notifications), §3 (initialize params may be null), §4 (methods without required params
   accept null), §10 / README "For agent frameworks: MCP" for the MCP face.
4. docs/protocol.md §3 ("once an initialize has been read, nothing is written before its
   result"; a second initialize is -32600 after the first one's result), §5 (status.changed
   first sent just after the initialize result), §10 (an MCP session gets MCP messages only).
5. README "Options" ("The API key appears nowhere but in the X-Api-Key header: not on stdout,
   in logs, traces or errors"), docs/protocol.md §7 ("It never appears on stdout, in logs, in
   the trace file or in error messages"), §9 (--trace-file "key redacted").
6. docs/protocol.md §1 (framing detection from the first byte; size limit; "No input, however
   malformed, makes the adapter crash or stop reading").

Python 3.11 standard library, pytest, and the helpers in rpc.py / standin.py.
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import rpc
from rpc import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNKNOWN_METHOD,
    Adapter,
    clean_env,
    encode,
    error_code,
    expect_error,
    expect_result,
    is_notification,
    is_response,
    same_id,
)
from standin import Standin

# docs/protocol.md §3: "within one second". The brief: the same for exit and parent death.
EXIT_BUDGET = float(os.environ.get("AITOEARN_E2E_EXIT_BUDGET", "1.0")) * rpc.TIME_SCALE
# README "Performance": peak RSS <= 64 MB (MB as the README uses it: 10**6 bytes).
# Memory bounds are for the real binary; a sanitizer build (scripts/test --tsan) sets a scale
# for its shadow memory.
RSS_SCALE = float(os.environ.get("AITOEARN_TEST_RSS_SCALE", "1"))
RSS_LIMIT = int(64 * 10**6 * RSS_SCALE)
# "RSS stays small" while a 1 TB frame is being thrown away: well under the limit above.
SMALL_RSS = int(40 * 10**6 * RSS_SCALE)

MCP_VERSION = "2025-11-25"
SIM = ["--simulate"]
INIT = {"processId": None, "capabilities": {}}


def mcp_init_params(version: str = MCP_VERSION) -> dict:
    return {"protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "aitoearn-e2e-hardening", "version": "0.0.1"}}


def line(obj: Any) -> bytes:
    return encode(obj, "ndjson")


def req(method: str, id: Any, params: Any = ...) -> dict:
    """A request; `params=None` puts an explicit `"params": null` on the wire."""
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not ...:
        msg["params"] = params
    return msg


def note(method: str, params: Any = ...) -> dict:
    """A notification; `params=None` puts an explicit `"params": null` on the wire."""
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not ...:
        msg["params"] = params
    return msg


def rss_bytes(pid: int) -> int | None:
    """VmRSS of a live process, from /proc/<pid>/status; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for row in f:
                if row.startswith("VmRSS:"):
                    return int(row.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


# ---------------------------------------------------------------------------
# A process whose stdout is a pipe that nobody reads
# ---------------------------------------------------------------------------

F_GETPIPE_SZ = 1032  # linux/fcntl.h


class Unread:
    """The binary with stdin a pipe we write, stdout a pipe we never read (it fills up and
    stays full), stderr a file."""

    _n = itertools.count()

    def __init__(self, args: list[str], tmp_path: Path, extra_env: dict | None = None) -> None:
        self.stderr_path = tmp_path / f"unread-stderr-{next(self._n)}.txt"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [rpc.BIN, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env=clean_env(extra_env), bufsize=0,
        )
        self.pid = self.proc.pid
        self.out_fd = self.proc.stdout.fileno()
        self.capacity = fcntl.fcntl(self.out_fd, F_GETPIPE_SZ)

    def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def in_pipe(self) -> int:
        """Bytes waiting in the stdout pipe (FIONREAD on our unread end)."""
        return struct.unpack("i", fcntl.ioctl(self.out_fd, termios.FIONREAD, b"\0\0\0\0"))[0]

    def writer_blocked(self) -> bool | None:
        """True when one of the adapter's threads sleeps in a pipe write (its stdout is full);
        None when the kernel does not say (wchan hidden)."""
        seen_any = False
        try:
            tasks = os.listdir(f"/proc/{self.pid}/task")
        except FileNotFoundError:
            return False
        for tid in tasks:
            try:
                with open(f"/proc/{self.pid}/task/{tid}/wchan", encoding="ascii") as f:
                    wchan = f.read().strip()
            except OSError:
                continue
            if wchan not in ("", "0"):
                seen_any = True
            if "pipe_write" in wchan:
                return True
        return False if seen_any else None

    def wait_backed_up(self, timeout: float = 10) -> None:
        """Until stdout is full: the pipe holds (nearly) its capacity and the adapter's writer is
        blocked on it; then until the adapter's memory stops growing (what could be queued is)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"the adapter exited early ({self.proc.returncode}): {self.stderr()}"
            full = self.in_pipe() >= self.capacity - 16 * 1024
            blocked = self.writer_blocked()
            if full and blocked is not False:
                break
            assert time.monotonic() < deadline, (
                f"stdout never filled up: {self.in_pipe()} of {self.capacity} bytes in the pipe, "
                f"writer blocked: {blocked}")
            time.sleep(0.01)
        # Let the dispatched requests finish queueing their replies (bounded).
        last, stable_since = rss_bytes(self.pid) or 0, time.monotonic()
        while time.monotonic() - stable_since < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
            now = rss_bytes(self.pid) or 0
            if now > last + 256 * 1024:
                last, stable_since = now, time.monotonic()
        assert self.in_pipe() >= self.capacity - 16 * 1024, "stdout drained although nobody reads it"

    def timed_exit(self, t0: float, budget: float = EXIT_BUDGET) -> tuple[int | None, float]:
        """(status, seconds from t0 to the exit); status None if it did not exit within budget+3 s."""
        try:
            rc = self.proc.wait(timeout=max(0.0, t0 + budget + 3 - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None, time.monotonic() - t0
        return rc, time.monotonic() - t0

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-1500:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
        for s in (self.proc.stdin, self.proc.stdout):
            try:
                s.close()
            except (OSError, BrokenPipeError):
                pass
        self._stderr.close()


@pytest.fixture
def unread_factory(adapter_bin, tmp_path):
    made: list[Unread] = []

    def make(args: list[str], extra_env: dict | None = None) -> Unread:
        u = Unread(args, tmp_path, extra_env)
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()


def discover_requests(n: int, start: int = 1) -> bytes:
    return b"".join(line(req("rpc.discover", i)) for i in range(start, start + n))


# ---------------------------------------------------------------------------
# 1. Five ways to end, with stdout full and never read
# ---------------------------------------------------------------------------

# ~38 KB a reply: 300 of them are ~11 MB, past the 8 MB output budget (input then waits).
FILL = 300
# For `exit`: the notification must be read to act, and past the budget input is (by design)
# not read, so the queue is kept well above the pipe's 64 KiB but under the budget (~3.8 MB).
FILL_UNDER_BUDGET = 100


@pytest.mark.parametrize("trigger", ["SIGTERM", "SIGINT", "exit", "end-of-input", "parent-death"])
def test_exits_within_1s_when_stdout_is_never_read(unread_factory, trigger):
    """docs/protocol.md §3: end of input, SIGTERM and SIGINT exit 0 within one second, "also when
    the client no longer reads stdout (undeliverable output is dropped)"; `exit` ends the process
    (0 after shutdown, 1 without: shutdown's reply cannot be delivered here, so either); README:
    the adapter exits when the initialize.processId process is gone. Timed from the trigger."""
    helper = None
    u = unread_factory(SIM)
    try:
        if trigger == "parent-death":
            helper = subprocess.Popen(["sleep", "60"])
            u.write(line(req("initialize", 0, {"processId": helper.pid, "capabilities": {}})))
        u.write(discover_requests(FILL_UNDER_BUDGET if trigger == "exit" else FILL))
        u.wait_backed_up()
        assert u.proc.poll() is None
        t0 = time.monotonic()
        if trigger == "SIGTERM":
            u.proc.send_signal(signal.SIGTERM)
        elif trigger == "SIGINT":
            u.proc.send_signal(signal.SIGINT)
        elif trigger == "exit":
            u.write(line(req("shutdown", "shut")) + line(note("exit")))
        elif trigger == "end-of-input":
            u.close_stdin()
        else:
            helper.kill()
            helper.wait()  # reaped: the pid is really gone
        rc, elapsed = u.timed_exit(t0)
    finally:
        if helper is not None and helper.poll() is None:
            helper.kill()
            helper.wait()
    assert rc is not None, f"{trigger}: the adapter was still running {elapsed:.2f}s later; stderr: {u.stderr()!r}"
    assert elapsed <= EXIT_BUDGET, f"{trigger}: exit took {elapsed:.3f}s (budget {EXIT_BUDGET}s)"
    if trigger == "exit":
        assert rc in (0, 1), f"exit: status {rc}"
    elif trigger == "parent-death":
        assert rc >= 0, f"parent death: killed by signal {-rc}"
    else:
        assert rc == 0, f"{trigger}: status {rc}; stderr: {u.stderr()!r}"


# ---------------------------------------------------------------------------
# 2. 10,000 requests into a never-read stdout: bounded memory
# ---------------------------------------------------------------------------

FLOOD = 10_000
FLOOD_WRITE_SECONDS = 3.0   # the writer gives up after this (it blocks once input waits)
FLOOD_WATCH_SECONDS = 6.0   # RSS is watched at most this long in all
FLOOD_STABLE_SECONDS = 1.0  # ... and ends early once the writer is done and RSS holds this long


@pytest.mark.parametrize("method", ["image.models", "rpc.discover"])
def test_never_read_stdout_and_10000_requests_keep_rss_bounded(unread_factory, method):
    """README "Performance" (<= 64 MB) and the back-pressure the engine is built on (OutputWriter /
    InputReader, not in the docs): output is queued up to 8 MB, then input is left unread, so the client's own writes block instead of
    answers piling up. A thread writes 10,000 requests (batches of 100, giving up after 3 s);
    VmRSS is sampled every 10 ms while it writes and afterwards, until RSS has held steady for
    1 s (at most 6 s in all, or until it passes the limit); then SIGTERM ends the process
    within 1 s."""
    u = unread_factory(SIM)
    batches = [b"".join(line(req(method, i)) for i in range(b, b + 100)) for b in range(0, FLOOD, 100)]
    sent = [0]
    stop = threading.Event()
    done = threading.Event()

    def writer():
        try:
            for chunk in batches:
                if stop.is_set():
                    break
                u.write(chunk)
                sent[0] += 100
        except (BrokenPipeError, OSError, ValueError):
            pass
        finally:
            done.set()

    t = threading.Thread(target=writer, name="flood-writer", daemon=True)
    samples: list[tuple[float, int, int]] = []  # (seconds, rss, requests written so far)
    t0 = time.monotonic()
    t.start()
    steady_from, steady_rss = None, 0
    while True:
        now = time.monotonic() - t0
        r = rss_bytes(u.pid)
        if r is None:
            break
        samples.append((now, r, sent[0]))
        if r > RSS_LIMIT or now >= FLOOD_WATCH_SECONDS:
            break
        if now >= FLOOD_WRITE_SECONDS:
            stop.set()
        if done.is_set() or stop.is_set():
            if steady_from is None or r > steady_rss + (1 << 20):
                steady_from, steady_rss = now, r
            elif now - steady_from >= FLOOD_STABLE_SECONDS:
                break
        time.sleep(0.01)
    stop.set()
    alive = u.proc.poll() is None
    t1 = time.monotonic()
    if alive:
        u.proc.send_signal(signal.SIGTERM)
    rc, elapsed = u.timed_exit(t1)
    t.join(timeout=5)
    assert alive, f"the adapter died under the flood (status {u.proc.returncode}): {u.stderr()!r}"
    assert samples, "no RSS sample"
    peak_at, peak, peak_sent = max(samples, key=lambda s: s[1])
    trail = ", ".join(f"{s[0]:.1f}s:{s[1] / 1e6:.0f}MB" for s in samples[::max(1, len(samples) // 12)])
    assert peak <= RSS_LIMIT, (
        f"{method}: VmRSS reached {peak / 1e6:.1f} MB {peak_at:.2f}s in ({peak_sent} of {FLOOD} requests "
        f"written by then; {sent[0]} in all), limit {RSS_LIMIT / 1e6:.0f} MB; samples {trail}")
    assert rc is not None and elapsed <= EXIT_BUDGET, f"SIGTERM after the flood: status {rc} after {elapsed:.3f}s"
    assert rc == 0, f"SIGTERM after the flood: status {rc}; stderr: {u.stderr()!r}"


# ---------------------------------------------------------------------------
# 3. "params": null is the same as no params
# ---------------------------------------------------------------------------

def required_paths(err: dict) -> set[str]:
    errors = (err.get("data") or {}).get("errors")
    assert isinstance(errors, list) and errors, f"-32602 without data.errors: {err!r}"
    names = set()
    for e in errors:
        assert isinstance(e, dict) and isinstance(e.get("message"), str), e
        path = e.get("path")
        last = path[-1] if isinstance(path, list) and path else path
        names.add(str(last).lstrip("$./").split(".")[-1].split("/")[-1])
    return names


def test_null_params_same_as_absent_for_lsp_methods(adapter_factory, framing):
    """docs/protocol.md §2 ("params": null means the same as no params), §3 (initialize params
    may be absent, null or {}), §4 (methods without required params accept null)."""
    plain = adapter_factory(SIM, framing=framing)
    want_init = expect_result(plain.call("initialize"))
    want_models = expect_result(plain.call("image.models"))
    want_discover = expect_result(plain.call("rpc.discover"))

    a = adapter_factory(SIM, framing=framing)
    a.send(req("initialize", "i", None))
    got, _ = a.wait_response("i")
    assert expect_result(got) == want_init, f"initialize with params null: {got!r}"
    a.send(note("initialized", None))
    a.send(req("image.models", "m", None))
    got, _ = a.wait_response("m")
    assert expect_result(got) == want_models, f"image.models with params null: {json.dumps(got)[:500]}"
    a.send(req("rpc.discover", "d", None))
    got, _ = a.wait_response("d")
    assert expect_result(got) == want_discover, "rpc.discover with params null differs from no params"


@pytest.mark.parametrize("method, required", [("image.generate", {"prompt", "model"}), ("task.status", {"logId"})])
def test_null_params_on_methods_with_required_fields_is_32602(adapter_factory, framing, method, required):
    """docs/protocol.md §2 / §4: null is "no params", so the answer is -32602 naming every
    missing required member (data.errors), not -32600."""
    a = adapter_factory(SIM, framing=framing)
    a.send(req(method, 1, None))
    resp, _ = a.wait_response(1)
    err = expect_error(resp, INVALID_PARAMS)
    assert required <= required_paths(err), f"{method} with params null: {err!r} does not name all of {sorted(required)}"


@pytest.mark.parametrize("with_shutdown", [True, False], ids=["after-shutdown", "without-shutdown"])
def test_null_params_shutdown_and_exit(adapter_factory, framing, with_shutdown):
    """docs/protocol.md §3: shutdown answers null; exit ends the process, 0 after shutdown, else 1.
    A pygls-style `{"method":"exit","params":null}` must end it the same way."""
    a = adapter_factory(SIM, framing=framing)
    expect_result(a.call("initialize", INIT))
    if with_shutdown:
        a.send(req("shutdown", "s", None))
        resp, _ = a.wait_response("s")
        assert expect_result(resp) is None, resp
    a.send(note("exit", None))
    t0 = time.monotonic()
    rc = a.wait_exit(EXIT_BUDGET + 3)
    elapsed = time.monotonic() - t0
    assert rc == (0 if with_shutdown else 1), f"exit with params null: status {rc}"
    assert elapsed <= EXIT_BUDGET, f"exit with params null took {elapsed:.2f}s"


def test_null_params_cancel_request_is_ignored(adapter_factory, framing):
    """docs/protocol.md §2 (a notification with bad params is ignored without a reply) and §3
    ($/cancelRequest): `$/cancelRequest` with params null cancels nothing, answers nothing and
    does not bring the process down."""
    a = adapter_factory(["--simulate", "--simulate-delay-ms", "60000"], framing=framing)
    gid = a.request("image.generate", {"prompt": "x", "model": "sim-image"})
    a.send(note("$/cancelRequest", None))
    a.send(note("$/cancelRequest"))
    probe = a.call(UNKNOWN_METHOD)
    assert error_code(probe) == METHOD_NOT_FOUND, probe
    assert a.alive()
    assert not [m for m in a.messages if is_response(m) and same_id(m.get("id"), gid)], \
        "params null cancelled the running request"
    others = [m for m in a.messages if is_response(m) and not same_id(m.get("id"), probe["id"])]
    assert not others, f"replies to the null-params cancel: {others!r}"
    assert a.finish(EXIT_BUDGET + 2) == 0


def test_null_params_on_the_mcp_face(adapter_factory):
    """docs/protocol.md §2 and §10, README "For agent frameworks: MCP": in an MCP session,
    tools/list, ping and tasks/list with params null answer as without params; tools/call with
    params null is -32602 (it needs a tool name); notifications with params null are ignored."""
    ref = adapter_factory(SIM)
    expect_result(ref.call("initialize", mcp_init_params()))
    ref.notify("notifications/initialized")
    want = {m: expect_result(ref.call(m)) for m in ("tools/list", "ping", "tasks/list")}

    a = adapter_factory(SIM)
    expect_result(a.call("initialize", mcp_init_params()))
    a.send(note("notifications/initialized", None))
    for m in ("tools/list", "ping", "tasks/list"):
        a.send(req(m, m, None))
        resp, _ = a.wait_response(m)
        assert expect_result(resp) == want[m], f"{m} with params null: {json.dumps(resp)[:500]}"
    a.send(req("tools/call", "call", None))
    resp, _ = a.wait_response("call")
    expect_error(resp, INVALID_PARAMS)
    a.send(note("notifications/cancelled", None))
    probe = a.call("ping")
    assert expect_result(probe) == {}
    assert a.alive()
    answered = [m["id"] for m in a.messages if is_response(m)]
    expected = [1, "tools/list", "ping", "tasks/list", "call", probe["id"]]
    assert sorted(map(repr, answered)) == sorted(map(repr, expected)), \
        f"responses {answered!r}, expected one each for {expected!r} (none for the notifications)"


# ---------------------------------------------------------------------------
# 4. Order at session start
# ---------------------------------------------------------------------------

LOOPS = int(os.environ.get("AITOEARN_E2E_ORDER_LOOPS", "300"))
LSP_FACE_NOTES = {"status.changed", "task.progress", "$/progress"}


def one_write_session(args: list, data: bytes, framing: str = "ndjson") -> list:
    """A fresh process sent `data` in ONE write: every message it wrote once request 2 is
    answered and it has exited at end of input."""
    a = Adapter(args, framing=framing)
    try:
        a.send_raw(data)
        a.wait_response(2, timeout=5)
        a.close_stdin()
        a.wait_exit(3)
        return list(a.messages)
    finally:
        a.kill()


def test_mcp_initialize_result_comes_first_300_times(adapter_bin):
    """docs/protocol.md §3 ("once an initialize has been read, nothing ... is written before its
    result") and §10: MCP `initialize` and `tools/list` in ONE write, 300 fresh processes (no
    key / simulator / --mcp in turn): the first message is the initialize result, the second the
    tools/list result, and no status.changed or task.progress ever appears."""
    configs = [[], SIM, ["--mcp"]]
    data = line(req("initialize", 1, mcp_init_params())) + line(req("tools/list", 2))
    bad = []
    for i in range(LOOPS):
        msgs = one_write_session(configs[i % 3], data)
        ok = (len(msgs) == 2 and is_response(msgs[0]) and same_id(msgs[0]["id"], 1) and "result" in msgs[0]
              and is_response(msgs[1]) and same_id(msgs[1]["id"], 2) and "result" in msgs[1])
        lsp = [m for m in msgs if is_notification(m) and m["method"] in LSP_FACE_NOTES]
        if not ok or lsp:
            bad.append((i, configs[i % 3], [json.dumps(m)[:160] for m in msgs]))
    assert not bad, f"{len(bad)} of {LOOPS} MCP sessions out of order, first ones: {bad[:3]}"


def test_mcp_session_never_gets_lsp_face_notifications(adapter_factory, tmp_path):
    """docs/protocol.md §10 / README MCP: a whole MCP session on the simulator, a job included
    (with a progressToken), writes no status.changed, task.progress or $/progress."""
    a = adapter_factory(["--simulate", "--simulate-delay-ms", "100", "--image-dir", str(tmp_path / "img")])
    a.send_raw(line(req("initialize", 1, mcp_init_params())) + line(req("tools/list", 2)))
    assert "result" in a.next_message() and "result" in a.next_message()
    a.notify("notifications/initialized")
    resp = a.call("tools/call", {"name": "generate_image", "arguments": {"prompt": "a fox", "model": "sim-image"},
                                 "_meta": {"progressToken": "p"}}, timeout=10)
    result = expect_result(resp)
    assert not result.get("isError"), result
    expect_result(a.call("tools/call", {"name": "list_image_models", "arguments": {}}))
    assert a.finish(3) == 0
    lsp = [m for m in a.messages if is_notification(m) and m["method"] in LSP_FACE_NOTES]
    assert not lsp, f"LSP-face notifications in an MCP session: {lsp[:3]!r}"
    assert a.notifications("notifications/progress"), "the progressToken got no notifications/progress"


def test_second_initialize_in_the_same_write_300_times(adapter_bin):
    """docs/protocol.md §3: `initialize` then a second `initialize` in ONE write, 300 fresh
    processes (both framings; no key / simulator in turn): the first message is the first
    result, the -32600 for the second comes after it, status.changed (§5) only after the first
    result, and nothing else."""
    bad = []
    for i in range(LOOPS):
        framing = rpc.FRAMINGS[i % 2]
        args = [] if i % 4 < 2 else SIM
        data = encode(req("initialize", 1, INIT), framing) + encode(req("initialize", 2, INIT), framing)
        msgs = one_write_session(args, data, framing)
        problems = []
        if not (msgs and is_response(msgs[0]) and same_id(msgs[0]["id"], 1) and "result" in msgs[0]):
            problems.append("first message is not the first initialize result")
        seconds = [k for k, m in enumerate(msgs) if is_response(m) and same_id(m.get("id"), 2)]
        if len(seconds) != 1 or error_code(msgs[seconds[0]]) != INVALID_REQUEST or seconds[0] == 0:
            problems.append("not exactly one -32600 for the second initialize after the first result")
        for k, m in enumerate(msgs):
            if is_response(m) and (same_id(m.get("id"), 1) or same_id(m.get("id"), 2)):
                continue
            if is_notification(m) and m["method"] == "status.changed" and k > 0:
                continue
            problems.append(f"unexpected message at {k}")
        if sum(1 for m in msgs if is_response(m) and same_id(m.get("id"), 1)) != 1:
            problems.append("not exactly one response to the first initialize")
        if problems:
            bad.append((i, framing, args, problems, [json.dumps(m)[:160] for m in msgs]))
    assert not bad, f"{len(bad)} of {LOOPS} LSP sessions out of order, first ones: {bad[:3]}"


# ---------------------------------------------------------------------------
# 5. Redaction: the key in none of its forms, anywhere
# ---------------------------------------------------------------------------

KEY = 'sk-"quoted"\\back-1234567890'   # the key itself: sk-"quoted"\back-1234567890
PASSWORD = "pa55word-secret"
MARK = "ECHO-MARKER"                    # in every echoed upstream message: proves the path ran
FORM_PREFIX = 12


def b64_middle(secret: bytes, offset: int) -> bytes:
    """The base64 characters that only depend on `secret` when it starts `offset` bytes into a
    3-byte group of a longer payload (the neighbouring bytes' groups are left out)."""
    enc = base64.b64encode(b"\0" * offset + secret)
    head = 0 if offset == 0 else 4
    tail = 0 if (offset + len(secret)) % 3 == 0 else 4
    return enc[head:len(enc) - tail]


def secret_forms(secret: str) -> dict[str, bytes]:
    """Every form the brief names: plain, JSON-escaped (once, and twice as inside a traced
    body), base64 at the three alignments (stable middle), the 12-character prefix of each of
    those, and (to catch a key cut in two) every 12-character piece of the plain key."""
    plain = secret.encode()
    escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
    forms = {
        "plain": plain,
        "JSON-escaped": escaped.encode(),
        "JSON-escaped twice": json.dumps(escaped, ensure_ascii=False)[1:-1].encode(),
    }
    for o in range(3):
        forms[f"base64 at offset {o}"] = b64_middle(plain, o)
    for name, f in list(forms.items()):
        if len(f) > FORM_PREFIX:
            forms[f"12-char prefix of {name}"] = f[:FORM_PREFIX]
    for i in range(len(plain) - FORM_PREFIX + 1):
        forms[f"12-char piece plain[{i}:{i + FORM_PREFIX}]"] = plain[i:i + FORM_PREFIX]
    out: dict[str, bytes] = {}
    for name, f in forms.items():
        if f and f not in out.values():
            out[name] = f
    return out


def find_leaks(data: bytes, secret: str) -> list[str]:
    hits = []
    for name, form in secret_forms(secret).items():
        i = data.find(form)
        if i >= 0:
            hits.append(f"{name} {form!r} at byte {i}: …{data[max(0, i - 60):i + len(form) + 30]!r}…")
    return hits


def echo_message(secret: str) -> str:
    """An upstream message that echoes the secret plainly and inside three longer base64
    payloads (offsets 0, 1 and 2)."""
    payloads = [base64.b64encode(bytes(range(0x41, 0x44 + o)) + secret.encode() + b"-tail!").decode() for o in range(3)]
    msg = f"{MARK} key={secret} b64={payloads[0]} {payloads[1]} {payloads[2]}"
    detected = find_leaks(msg.encode(), secret)
    for o in range(3):  # the detector itself must see every form the service sends
        assert any(h.startswith(f"base64 at offset {o}") for h in detected), (o, detected)
    assert any(h.startswith("plain ") for h in detected), detected
    return msg


class Outputs:
    """Where a run of the adapter may have written: stdout, stderr, --log-file, --trace-file."""

    def __init__(self, tmp_path: Path, log_to: str):
        self.trace = tmp_path / "trace.ndjson"
        self.log = tmp_path / "adapter.log" if log_to == "log-file" else None

    def args(self) -> list[str]:
        argv = ["--log-level", "trace", "--trace-file", str(self.trace)]
        if self.log is not None:
            argv += ["--log-file", str(self.log)]
        return argv

    def collect(self, a: Adapter) -> dict[str, bytes]:
        got = {"stdout": b"".join(a.frames), "stderr": a.stderr_text().encode("utf-8")}
        if self.log is not None:
            got["--log-file"] = self.log.read_bytes() if self.log.exists() else b""
        got["--trace-file"] = self.trace.read_bytes() if self.trace.exists() else b""
        return got

    def assert_no_leak(self, a: Adapter, secrets: list[str]) -> dict[str, bytes]:
        got = self.collect(a)
        assert got["--trace-file"], "--trace-file is empty: nothing was checked there"
        if self.log is not None:
            assert got["--log-file"], "--log-file is empty at --log-level trace: nothing was checked there"
        else:
            assert got["stderr"], "stderr is empty at --log-level trace: nothing was checked there"
        leaks = []
        for where, data in got.items():
            for s in secrets:
                leaks += [f"{where}: {h}" for h in find_leaks(data, s)]
        assert not leaks, f"{len(leaks)} leak(s) of the secret:\n  " + "\n  ".join(leaks[:12])
        return got


LOG_TO = ["log-file", "stderr"]


@pytest.fixture
def keyed_standin():
    with Standin(api_key=KEY, pending_polls=0) as server:
        yield server


def start(factory, server: Standin | None, outputs: Outputs, *extra: str, env_key: bool = True,
          base_url: str | None = None, extra_env: dict | None = None, framing: str = "ndjson") -> Adapter:
    argv = []
    url = base_url or (server.base_url if server is not None else None)
    if url is not None:
        argv += ["--base-url", url]
    argv += ["--retry-base-delay-ms", "10", *outputs.args(), *extra]
    env = dict(extra_env or {})
    if env_key:
        env["AITOEARN_API_KEY"] = KEY
    return factory(argv, framing=framing, extra_env=env)


def upstream_message(resp: dict, code: int) -> str:
    err = expect_error(resp, code)
    msg = (err.get("data") or {}).get("upstreamMessage")
    assert isinstance(msg, str) and MARK in msg, f"the upstream message did not come through: {err!r}"
    return msg


def exercise_lsp(a: Adapter, server: Standin, init_key: bool) -> None:
    """A session that puts the key (and upstream echoes of it) through every path: a job that
    succeeds, the model list, business errors on submit / status / models that echo it, and an
    HTML error page that echoes it (retried, then -32013)."""
    params: dict[str, Any] = dict(INIT)
    if init_key:
        params["initializationOptions"] = {"apiKey": KEY}
    expect_result(a.call("initialize", params))
    a.notify("initialized", {})
    gen = {"prompt": "a red fox", "model": "gpt-image-1", "pollIntervalMs": 10}
    assert expect_result(a.call("image.generate", gen, timeout=10))["status"] == "success"
    expect_result(a.call("image.models"))
    echo = echo_message(KEY)
    server.inject("submit", "business", code=10002, message=echo)
    upstream_message(a.call("image.generate", gen, timeout=10), -32010)
    server.inject("status", "business", code=401, message=echo)
    upstream_message(a.call("task.status", {"logId": server.add_job()}, timeout=10), -32001)
    server.inject("models", "business", code=12301, message=echo)
    upstream_message(a.call("image.models", timeout=10), -32010)
    server.inject("models", "raw", times=4, status=500, headers={"Content-Type": "text/html"},
                  body=f"<html><body>{echo}</body></html>")
    expect_error(a.call("image.models", timeout=10), -32013)
    assert any(r.headers.get("X-Api-Key") == KEY for r in server.requests), "the key was never used"


@pytest.mark.parametrize("log_to", LOG_TO)
@pytest.mark.parametrize("source", ["AITOEARN_API_KEY", "initializationOptions.apiKey"])
def test_redaction_key_echoed_by_the_service(adapter_factory, keyed_standin, tmp_path, source, log_to):
    """README "Options" / docs/protocol.md §7: a key with `"` and `\\` set through the
    environment or initializationOptions.apiKey, echoed by the service (plainly and in base64
    at all three alignments) in business errors and an HTML page: no form of it on stdout,
    stderr, --log-file or --trace-file at --log-level trace."""
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, keyed_standin, out, env_key=source == "AITOEARN_API_KEY")
    exercise_lsp(a, keyed_standin, init_key=source != "AITOEARN_API_KEY")
    a.close_stdin()
    assert a.wait_exit(5) == 0
    out.assert_no_leak(a, [KEY])


@pytest.mark.parametrize("log_to", LOG_TO)
def test_redaction_mcp_tool_errors_carrying_the_upstream_message(adapter_factory, keyed_standin, tmp_path, log_to):
    """README MCP / docs/protocol.md §7 and §10: MCP tool calls whose isError text includes the
    service's message, which echoes the key (plain and base64), with logging/setLevel debug so
    notifications/message go out too: no form of the key anywhere."""
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, keyed_standin, out, "--image-dir", str(tmp_path / "img"))
    expect_result(a.call("initialize", mcp_init_params()))
    a.notify("notifications/initialized")
    expect_result(a.call("logging/setLevel", {"level": "debug"}))
    echo = echo_message(KEY)

    def tool(name: str, arguments: dict) -> str:
        result = expect_result(a.call("tools/call", {"name": name, "arguments": arguments}, timeout=10))
        assert result.get("isError") is True, result
        text = "\n".join(c.get("text", "") for c in result["content"] if c.get("type") == "text")
        assert MARK in text, f"the tool error text does not include the upstream message: {text!r}"
        return text

    keyed_standin.inject("submit", "business", code=10002, message=echo)
    tool("generate_image", {"prompt": "a red fox", "model": "gpt-image-1", "wait_seconds": 5})
    keyed_standin.inject("status", "business", code=12301, message=echo)
    tool("get_task_status", {"logId": keyed_standin.add_job()})
    keyed_standin.inject("models", "business", code=12301, message=echo)
    tool("list_image_models", {})
    ok = expect_result(a.call("tools/call", {"name": "get_task_status", "arguments": {"logId": keyed_standin.add_job()}}))
    assert not ok.get("isError"), ok
    a.close_stdin()
    assert a.wait_exit(5) == 0
    out.assert_no_leak(a, [KEY])


@pytest.mark.parametrize("log_to", LOG_TO)
@pytest.mark.parametrize("known", [True, False], ids=["key-configured", "key-not-configured"])
@pytest.mark.parametrize("form", ["escaped-key-missing-brace", "raw-key"])
def test_redaction_malformed_initialize_carrying_the_key(adapter_factory, keyed_standin, tmp_path, framing,
                                                         form, known, log_to):
    """docs/protocol.md §7 / README "Options": an `initialize` that is not valid JSON and carries
    `"apiKey": "<key>"`, either JSON-escaped (the message lacks its last brace) or with the key
    pasted in raw (its `"` breaks the JSON): -32700, the session goes on, and no form of the key
    reaches any output, whether or not the key is also configured."""
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, keyed_standin, out, env_key=known, framing=framing)
    if form == "raw-key":
        body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,' \
               '"initializationOptions":{"apiKey": "' + KEY + '"}}}'
    else:
        body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,' \
               '"initializationOptions":{"apiKey":' + json.dumps(KEY) + '}}'
    a.send_body(body.encode())
    first = a.next_message()
    while is_notification(first):
        first = a.next_message()
    assert first.get("id", "missing") is None and error_code(first) == PARSE_ERROR, first
    expect_result(a.call("image.models"))
    a.close_stdin()
    assert a.wait_exit(5) == 0
    out.assert_no_leak(a, [KEY])


@pytest.mark.parametrize("log_to", LOG_TO)
@pytest.mark.parametrize("before_cut", [12, 24], ids=lambda n: f"{n}-bytes-before-the-cut")
@pytest.mark.parametrize("body_kind", ["json-envelope", "html-page"])
def test_redaction_key_straddling_the_64KiB_cut_of_a_traced_body(adapter_factory, keyed_standin, tmp_path,
                                                                  body_kind, before_cut, log_to):
    """docs/protocol.md §9 (--trace-file "key redacted"): an HTTP response body longer than
    64 KiB (where the trace cuts bodies) whose key occurrence straddles byte 65536, as a model
    list envelope (the key JSON-escaped inside it, passed verbatim to stdout) and as an HTML
    error page (the key plain; retried, then -32013): no piece of the key anywhere."""
    cut = 64 * 1024
    if body_kind == "json-envelope":
        occurrence = json.dumps(KEY)[1:-1].encode()
        head = b'{"code":0,"message":"ok","data":[{"name":"m1","description":"'
        tail = b'","tags":[],"sizes":["1024x1024"],"qualities":[],"styles":[]}]}'
    else:
        occurrence = KEY.encode()
        head = b"<html><body><pre>"
        tail = b"</pre></body></html>"
    start_at = cut - before_cut
    body = head + b"x" * (start_at - len(head)) + occurrence + b"y" * 4000 + tail
    assert body.index(occurrence) == start_at < cut < start_at + len(occurrence) and len(body) > cut
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, keyed_standin, out)
    expect_result(a.call("initialize", INIT))
    if body_kind == "json-envelope":
        keyed_standin.inject("models", "raw", status=200, headers={"Content-Type": "application/json"}, body=body)
        models = expect_result(a.call("image.models", timeout=10))
        assert isinstance(models, list) and models and models[0].get("name") == "m1", str(models)[:300]
    else:
        keyed_standin.inject("models", "raw", times=4, status=500, headers={"Content-Type": "text/html"}, body=body)
        expect_error(a.call("image.models", timeout=10), -32013)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    got = out.assert_no_leak(a, [KEY])
    assert len(got["--trace-file"]) > 60_000, "the long body was not traced: the cut was not exercised"


@pytest.mark.parametrize("log_to", LOG_TO)
def test_redaction_key_in_a_logId_across_the_100_char_cut_of_receivedLogId(adapter_factory, keyed_standin,
                                                                            tmp_path, log_to):
    """README "Billing safety" / docs/protocol.md §6: a submission answered with a logId that is
    not 24 hex characters is -32010 with data.receivedLogId (cut to 100 characters). When that
    logId echoes the key across the cut, no piece of the key may come out (§7)."""
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, keyed_standin, out)
    expect_result(a.call("initialize", INIT))
    keyed_standin.plan_job(answer_log_id="a" * 86 + KEY + "b" * 20)
    err = expect_error(a.call("image.generate", {"prompt": "a red fox", "model": "gpt-image-1"}, timeout=10), -32010)
    assert "receivedLogId" in err.get("data", {}), err
    a.close_stdin()
    assert a.wait_exit(5) == 0
    out.assert_no_leak(a, [KEY])


@pytest.mark.parametrize("log_to", LOG_TO)
@pytest.mark.parametrize("source", ["--base-url", "AITOEARN_BASE_URL", "initializationOptions.baseUrl"])
def test_redaction_password_in_the_base_url(adapter_factory, keyed_standin, tmp_path, source, log_to):
    """README "Options" / docs/protocol.md §7: a base URL with user:password
    (http://user:pa55word-secret@127.0.0.1:<port>) from the command line, the environment or
    initializationOptions: a job, the model list, a 500 page (retried), a redirect to the same
    URL: the password (like the key) in none of its forms on stdout, stderr, log or trace (the
    Basic credential libcurl builds is base64 of "user:<password>", i.e. offset 2)."""
    url = f"http://user:{PASSWORD}@127.0.0.1:{keyed_standin.port}"
    out = Outputs(tmp_path, log_to)
    extra_env = {"AITOEARN_BASE_URL": url} if source == "AITOEARN_BASE_URL" else None
    a = start(adapter_factory, None, out, base_url=url if source == "--base-url" else None,
              extra_env=extra_env)
    params: dict[str, Any] = dict(INIT)
    if source == "initializationOptions.baseUrl":
        params["initializationOptions"] = {"baseUrl": url}
    expect_result(a.call("initialize", params))
    gen = {"prompt": "a red fox", "model": "gpt-image-1", "pollIntervalMs": 10}
    assert expect_result(a.call("image.generate", gen, timeout=10))["status"] == "success"
    expect_result(a.call("image.models"))
    keyed_standin.inject("models", "http500_html", times=4)
    expect_error(a.call("image.models", timeout=10), -32013)
    keyed_standin.inject("submit", "redirect", location=url + "/elsewhere")
    expect_error(a.call("image.generate", gen, timeout=10), -32013)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    seen = [r.headers.get("Authorization") for r in keyed_standin.requests]
    assert base64.b64encode(f"user:{PASSWORD}".encode()).decode() in " ".join(h or "" for h in seen), \
        "the password of the base URL was not used: the case did not run as meant"
    out.assert_no_leak(a, [PASSWORD, KEY])


@pytest.mark.parametrize("log_to", LOG_TO)
def test_redaction_password_echoed_by_the_service(adapter_factory, keyed_standin, tmp_path, log_to):
    """README "Options" / docs/protocol.md §7: the base URL's password echoed back by the service
    (plain, and in base64 as the "user:<password>" Basic credential and at all alignments) in a
    business error: no form of it on any output."""
    url = f"http://user:{PASSWORD}@127.0.0.1:{keyed_standin.port}"
    out = Outputs(tmp_path, log_to)
    a = start(adapter_factory, None, out, base_url=url)
    expect_result(a.call("initialize", INIT))
    basic = base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    keyed_standin.inject("models", "business", code=12301, message=echo_message(PASSWORD) + f" auth=Basic {basic}")
    upstream_message(a.call("image.models", timeout=10), -32010)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    out.assert_no_leak(a, [PASSWORD, KEY])


# ---------------------------------------------------------------------------
# 6. Odd first bytes, absurd lengths
# ---------------------------------------------------------------------------

LEADS = {
    "BOM": b"\xef\xbb\xbf",
    "NUL": b"\x00",
    "NULs+whitespace": b"\x00\x00 \t\r\n",
    "whitespace": b" \t\r\n",
    "BOM+whitespace": b"\xef\xbb\xbf \r\n",
    "CRLF+NUL": b"\r\n\x00",
}


@pytest.mark.parametrize("split", [False, True], ids=["one-write", "byte-by-byte"])
@pytest.mark.parametrize("lead", list(LEADS), ids=list(LEADS))
def test_bom_nul_or_whitespace_before_the_first_brace_selects_ndjson(adapter_factory, lead, split):
    """docs/protocol.md §1 (framing from the first byte; the brief: a UTF-8 BOM or leading
    NUL/whitespace before the first `{` still selects NDJSON): the replies are NDJSON lines (the
    strict NDJSON reader fails on a Content-Length frame), the first request is answered."""
    a = adapter_factory(framing="ndjson")
    rest = line(req(UNKNOWN_METHOD, 1)) + line(req(UNKNOWN_METHOD, 2))
    if split:
        for b in LEADS[lead]:
            a.send_raw(bytes([b]))
            time.sleep(0.02)
        a.send_raw(rest)
    else:
        a.send_raw(LEADS[lead] + rest)
    for rid in (1, 2):
        resp, _ = a.wait_response(rid)
        assert error_code(resp) == METHOD_NOT_FOUND, resp
    assert a.finish() == 0
    assert all(f.endswith(b"\n") and not f.startswith(b"Content-Length") for f in a.frames), a.frames[:3]


HUGE = 1_000_000_000_000  # 1 TB promised
MAX_ALLOWED = str(1 << 30)  # --max-message-bytes is capped at 1 GiB


def lsp_frame(obj: Any) -> bytes:
    return encode(obj, "lsp")


def test_huge_content_length_is_refused_at_once_and_thrown_away_in_little_memory(adapter_factory):
    """docs/protocol.md §1 (size limit, "its bytes are read and thrown away", "No input, however
    malformed, makes the adapter crash or stop reading"): `Content-Length: 1000000000000` under
    `--max-message-bytes 1073741824` is answered -32600 (id null) at once, without waiting for
    the body; then 64 MiB of the promised body are read (our writes do not block) while VmRSS
    stays small, and the process is still alive."""
    a = adapter_factory(["--max-message-bytes", MAX_ALLOWED], framing="lsp")
    a.send_raw(b"Content-Length: %d\r\n\r\n" % HUGE)
    err = a.wait_until(lambda: [m for m in a.messages if is_response(m)], timeout=3,
                       what="the -32600 for the 1 TB frame")[0]
    assert err.get("id", "missing") is None and error_code(err) == INVALID_REQUEST, err
    peak = rss_bytes(a.pid) or 0
    chunk = b"\0" * (1 << 20)
    t0 = time.monotonic()
    for _ in range(64):
        a.send_raw(chunk)
        peak = max(peak, rss_bytes(a.pid) or 0)
    took = time.monotonic() - t0
    assert a.alive(), f"the adapter died: {a.stderr_text()[-500:]}"
    assert peak <= SMALL_RSS, f"VmRSS reached {peak / 1e6:.1f} MB while throwing the body away"
    assert took < 20, f"64 MiB took {took:.1f}s to be read"
    assert [m for m in a.messages if is_response(m)] == [err], a.messages


def test_huge_content_length_is_refused_without_allocating_and_the_process_stays_responsive(adapter_factory):
    """docs/protocol.md §1: a header promising 1 TB (limit 1 GiB) gets -32600 at once; the
    promised bytes are read and thrown away as they come (nothing is allocated for them), so
    the process neither crashes nor grows, and it still ends cleanly on SIGTERM."""
    a = adapter_factory(["--max-message-bytes", MAX_ALLOWED], framing="lsp")
    a.send_raw(b"Content-Length: %d\r\n\r\n" % HUGE)
    err = a.wait_until(lambda: next((m for m in a.messages if is_response(m)), None), timeout=3,
                       what="the -32600 for the oversized header")
    assert err.get("id", "missing") is None and error_code(err) == INVALID_REQUEST, err
    chunk = b"x" * (1 << 20)
    for _ in range(64):
        a.send_raw(chunk)
    time.sleep(0.3)
    rss = rss_bytes(a.pid) or 0
    assert a.alive(), f"the adapter died: {a.stderr_text()[-500:]}"
    assert rss <= SMALL_RSS, f"VmRSS {rss / 1e6:.1f} MB"
    a.proc.send_signal(signal.SIGTERM)
    assert a.wait_exit(2) == 0


@pytest.mark.parametrize("framing_", ["lsp", "ndjson"])
def test_oversized_message_sent_whole_then_a_valid_request_is_answered(adapter_factory, framing_):
    """docs/protocol.md §1: a message over --max-message-bytes (2 MiB against 1 MiB) gets -32600
    with id null, its bytes are thrown away, and the next message is answered normally."""
    a = adapter_factory(["--max-message-bytes", str(1 << 20)], framing=framing_)
    big = req(UNKNOWN_METHOD, "big", {"pad": "x" * (2 << 20)})
    a.send_raw(encode(big, framing_) + encode(req(UNKNOWN_METHOD, "after"), framing_))
    resp, _ = a.wait_response("after", timeout=5)
    assert error_code(resp) == METHOD_NOT_FOUND, resp
    nulls = [m for m in a.messages if is_response(m) and m.get("id", "missing") is None]
    assert len(nulls) == 1 and error_code(nulls[0]) == INVALID_REQUEST, nulls
    assert not [m for m in a.messages if is_response(m) and same_id(m.get("id"), "big")]


def test_max_message_bytes_above_1GiB_is_a_configuration_error(adapter_bin):
    """README "Options" / docs/protocol.md §9: --max-message-bytes is at most 1 GiB; a bad
    option prints one line on stderr and exits with status 2."""
    out = subprocess.run([adapter_bin, "--max-message-bytes", "2000000000"], capture_output=True,
                         stdin=subprocess.DEVNULL, timeout=10, env=clean_env())
    assert out.returncode == 2, out
    assert out.stdout == b"", out.stdout
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "max-message-bytes" in lines[0], lines
