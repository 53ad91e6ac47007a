#!/usr/bin/env python3
"""Soak benchmark for aitoearn-rpc: minutes of mixed traffic against one adapter process, with
its memory and file descriptors sampled all along (a script that prints numbers, not a test).

    swift build -c release
    python3 bench/soak.py [--minutes 10] [--mode sim|http|both] [--bin PATH] [--json PATH]

--mode sim runs the adapter on its simulator (--simulate); --mode http against the loopback
stand-in (Tests/EndToEnd/standin.py, in a Python process of its own, fast jobs) over HTTP; both (default)
runs one after the other, each for --minutes. The binary is --bin, else env AITOEARN_RPC_BIN,
else <repo>/.build/release/aitoearn-rpc.

Traffic, in rounds (the next round starts when every answer of the last one is in), NDJSON:
  * ~100 concurrent image.generate: most wait for the job (some with saveTo into a temporary
    folder that is emptied as answers come in, some with n=2, url and b64_json images); some
    wait:false, each followed by task.status wait:true (some of those with saveTo); a few with
    a model whose jobs fail (-32011 expected); a few cancelled with $/cancelRequest, at once or
    while the job runs (-32800, or the result when the cancel came too late);
  * task.status wait:false on jobs of the previous round, image.models, one invalid request
    (-32602 expected).
Every answer is checked against what its request expects; anything else is an error, printed
verbatim (so is anything the adapter or the stand-in writes on stderr). Over HTTP the stand-in
records every job a POST created: a job whose logId the adapter never reported (in a result, an
error's data.logId or a task.progress), and every -32013 "may have been submitted", is a lost
submission.

Every --sample-s seconds (5) it reads the adapter's VmRSS, RssAnon and thread count
(/proc/PID/status) and counts /proc/PID/fd; also after every round, when nothing is in flight
("quiet" fds). It prints the least-squares slope of RSS after the warm-up (--warmup-s, 60) in
MB (10^6 bytes) per 10 minutes, fd min/max after the warm-up, the jobs done and every error.
Exit status 1 when a Done-when figure fails: an error, a lost submission, an RSS slope over
--max-rss-slope-mb (1.0) per 10 minutes, or file descriptors that grew: the median of the quiet
count (between rounds, after the warm-up) in the second half passes the first half's by more than
--fd-tolerance (5). Over HTTP the quiet count includes the idle kept-alive connections, as many as
ran at once within the last minute plus 16, so a round that ends soon after a burst shows a
spike; a leak raises every sample, and so the median. The floor (each minute's lowest) and its
slope are printed, not judged.
The periodic samples also count the connections of requests in flight: printed, not judged.

Bounded: every request carries a timeoutMs, a round that is not answered within --round-timeout-s
ends the run with an error, and the adapter is killed if it does not exit 10 s after its stdin
closes. Everything stays on 127.0.0.1. Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import statistics
import heapq
import itertools
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import close, proc_cpu_s  # noqa: E402  (one way each to end a process, to read its CPU)

REPO = Path(__file__).resolve().parent.parent
E2E_DIR = REPO / "Tests" / "EndToEnd"
DEFAULT_BIN = REPO / ".build" / "release" / "aitoearn-rpc"
STANDIN_KEY = "sk-soak-standin-key"
LOG_ID = re.compile(r"[0-9a-fA-F]{24}")
MB = 1_000_000
SOAK_MAX_N = 2                   # the most images a soak job asks for (n)
SIM_MAX_FILES = 10_000 * SOAK_MAX_N  # the simulator remembers 10,000 jobs and deletes the images of older ones


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def short(obj: Any, limit: int = 3000) -> str:
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ---------------------------------------------------------------------------
# /proc sampling
# ---------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"):
                    out[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return out


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None



def cpu_totals() -> tuple[int, int] | None:
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    except (OSError, ValueError):
        return None


def slope_per_10min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, in value units per 600 s."""
    if len(points) < 3:
        return None
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    if den == 0:
        return None
    return 600 * sum((t - mt) * (v - mv) for t, v in points) / den


# ---------------------------------------------------------------------------
# the adapter process
# ---------------------------------------------------------------------------


class Adapter:
    """The adapter with NDJSON on its pipes: a writer thread (with delayed writes, for
    cancellations), a reader thread that hands every response to the callback registered for
    its id and records task.progress logIds by requestId. stderr goes to a file."""

    def __init__(self, bin_path: str, args: list[str], extra_env: dict[str, str], workdir: Path):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AITOEARN_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
        env.update(extra_env)
        self.stderr_path = workdir / "adapter.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([bin_path, "--framing", "ndjson", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, bufsize=0, env=env,
                                     cwd=str(workdir))
        self.pid = self.proc.pid
        self.lock = threading.Lock()
        self.callbacks: dict[Any, Callable[[dict], None]] = {}
        self.progress_log_ids: dict[Any, set[str]] = {}   # requestId -> logIds seen in task.progress
        self.notifications: dict[str, int] = {}
        self.protocol_errors: list[str] = []
        self.frames_read = 0
        self.bytes_read = 0
        self.eof = threading.Event()
        self._heap: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self._wcond = threading.Condition()
        self._closing = False
        self._writer = threading.Thread(target=self._write_loop, name="soak-writer", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name="soak-reader", daemon=True)
        self._writer.start()
        self._reader.start()

    # -- writing ------------------------------------------------------------------------------

    def send(self, msg: dict, delay_s: float = 0.0) -> None:
        data = dumps(msg) + b"\n"
        with self._wcond:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), data))
            self._wcond.notify()

    def request(self, id: Any, method: str, params: Any, on_response: Callable[[dict], None]) -> None:
        with self.lock:
            self.callbacks[id] = on_response
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def _write_loop(self) -> None:
        while True:
            with self._wcond:
                while True:
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        _, _, data = heapq.heappop(self._heap)
                        break
                    if self._closing and not self._heap:
                        return
                    timeout = None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic())
                    self._wcond.wait(timeout)
            try:
                self.proc.stdin.write(data)
            except (BrokenPipeError, OSError, ValueError) as e:
                with self.lock:
                    self.protocol_errors.append(f"writing to the adapter's stdin failed: {e!r}")
                return

    # -- reading ------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        buf = bytearray()
        fd = self.proc.stdout.fileno()
        try:
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                self.bytes_read += len(chunk)
                buf += chunk
                start = 0
                while (nl := buf.find(b"\n", start)) >= 0:
                    line = bytes(buf[start:nl])
                    start = nl + 1
                    if line.strip():
                        self._dispatch(line)
                del buf[:start]
        finally:
            if buf.strip():
                with self.lock:
                    self.protocol_errors.append(f"stdout ended inside a line: {short(buf.decode(errors='replace'), 500)}")
            self.eof.set()

    def _dispatch(self, line: bytes) -> None:
        self.frames_read += 1
        try:
            frame = json.loads(line)
        except ValueError:
            with self.lock:
                self.protocol_errors.append(f"not JSON on stdout: {short(line.decode(errors='replace'), 500)}")
            return
        if not isinstance(frame, dict):
            with self.lock:
                self.protocol_errors.append(f"not an object on stdout: {short(frame, 500)}")
            return
        method = frame.get("method")
        if method is not None:
            params = frame.get("params") or {}
            with self.lock:
                self.notifications[method] = self.notifications.get(method, 0) + 1
                if method == "task.progress" and isinstance(params, dict):
                    self.progress_log_ids.setdefault(params.get("requestId"), set()).add(str(params.get("logId")))
            if method == "status.changed" and isinstance(params, dict) and params.get("kind") not in ("ok", None):
                with self.lock:
                    self.protocol_errors.append(f"status.changed: {short(frame, 1000)}")
            return
        with self.lock:
            cb = self.callbacks.pop(frame.get("id"), None)
        if cb is None:
            with self.lock:
                self.protocol_errors.append(f"a response nobody waits for: {short(frame)}")
            return
        cb(frame)

    def take_progress(self, id: Any) -> set[str]:
        with self.lock:
            return self.progress_log_ids.pop(id, set())

    def outstanding(self) -> list[Any]:
        with self.lock:
            return list(self.callbacks)

    # -- end --------------------------------------------------------------------------------------

    def close(self, timeout: float = 10.0) -> int:
        with self._wcond:
            self._closing = True
            self._wcond.notify()
        self._writer.join(timeout=timeout)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            with self.lock:
                self.protocol_errors.append(f"the adapter did not exit within {timeout:.0f} s of end of input (killed)")
        self.eof.wait(timeout=5)
        self._stderr.close()
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""


# ---------------------------------------------------------------------------
# the stand-in, in a process of its own (this file, run with --standin-child)
# ---------------------------------------------------------------------------


def standin_child_main(config: dict) -> int:
    """Tests/EndToEnd/standin.py on 127.0.0.1 with counters: POSTs received, answers by status, and the
    logId of every job a submission created. One JSON line {base_url}, then JSON-line commands
    on stdin: stats, log_ids (every created logId so far). End of stdin stops it."""
    sys.path.insert(0, str(E2E_DIR))
    import standin  # noqa: PLC0415

    from standin_child import instrument  # noqa: PLC0415  (bench/, on the path like bench.py)

    c = instrument(standin, {})
    lock, received, answered, conns = c.lock, c.received, c.answered, c.conns
    created: list[str] = []
    _new_job = standin.st_new_job

    def new_job(*args, **kwargs):  # only submissions create jobs here (no add_job)
        job = _new_job(*args, **kwargs)
        with lock:
            created.append(job.log_id)
        return job

    standin.st_new_job = new_job

    server = standin.Standin(api_key=STANDIN_KEY, pending_polls=int(config.get("pending_polls", 1)))
    server.log_limit = 200
    server.start()
    keep_s = float(config.get("keep_finished_s", 300))

    def prune() -> None:
        # The stand-in's own job table stays small over a long run: finished jobs go after keep_s.
        st = server._state
        while not st.closing.wait(10):
            now = time.monotonic()
            with st.lock:
                old = [k for k, j in st.jobs.items() if j.finished_iso is not None and now - j.created > keep_s]
                for k in old:
                    del st.jobs[k]

    threading.Thread(target=prune, daemon=True).start()
    print(json.dumps({"base_url": server.base_url}), flush=True)
    for line in sys.stdin:
        op = json.loads(line).get("op")
        with lock:
            if op == "stats":
                out = {"received": dict(received), "answered": dict(answered), **conns,
                       "jobs_kept": len(server._state.jobs), "threads": threading.active_count()}
            elif op == "log_ids":
                out = {"log_ids": list(created)}
            else:
                out = {"error": f"unknown op {op!r}"}
        print(json.dumps(out), flush=True)
    server.stop()
    return 0


def split_standin_stderr(text: str) -> tuple[list[str], str]:
    """socketserver's tracebacks for a connection the client reset (ConnectionResetError or
    BrokenPipeError while the handler read the next request or wrote an answer) apart from the
    rest. The adapter resets a connection when a transfer is cancelled before its answer was read
    (a $/cancelRequest during a status poll or an image download): the client's right, not an error."""
    blocks = re.split(r"-{40}\n", text)
    resets, other = [], []
    for b in blocks:
        if not b.strip():
            continue
        last = b.strip().splitlines()[-1]
        if b.startswith("Exception occurred during processing of request") and \
                re.match(r"(ConnectionResetError|BrokenPipeError)\b", last):
            resets.append(last)
        else:
            other.append(b)
    return resets, "".join(other)


class StandinProcess:
    def __init__(self, workdir: Path, pending_polls: int = 1):
        self.stderr_path = workdir / "standin.stderr"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--standin-child",
                                      json.dumps({"pending_polls": pending_polls})],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self.lock = threading.Lock()
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"the stand-in did not start: {self.stderr_text()[-2000:]}")
        self.base_url = json.loads(line)["base_url"]

    def command(self, op: str) -> dict:
        with self.lock:
            self.proc.stdin.write(dumps({"op": op}) + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the stand-in is gone: {self.stderr_text()[-2000:]}")
        return json.loads(line)

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        close(self.proc, timeout=15)
        self._stderr.close()


# ---------------------------------------------------------------------------
# the soak
# ---------------------------------------------------------------------------


@dataclass
class Mode:
    name: str                 # "sim" | "http"
    ok_model: str
    fail_model: str
    args: list[str]
    env: dict[str, str]


@dataclass
class Sample:
    t: float
    rss_kib: int | None
    anon_kib: int | None
    fds: int | None
    threads: int | None
    jobs_done: int
    in_flight: int


@dataclass
class Soak:
    adapter: Adapter
    mode: Mode
    save_root: Path
    concurrency: int
    timeout_ms: int
    poll_ms: int
    rng: random.Random
    lock: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(init=False)
    pending: int = 0
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reported_log_ids: set[str] = field(default_factory=set)    # from generate results/errors/progress
    may_have_submitted: list[str] = field(default_factory=list)
    recent_log_ids: list[str] = field(default_factory=list)
    jobs_done: int = 0
    generates_sent: int = 0
    saved_files: int = 0
    saved_bytes: int = 0

    def __post_init__(self) -> None:
        self.cond = threading.Condition(self.lock)

    # -- bookkeeping --------------------------------------------------------------------------

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def error(self, what: str, frame: Any) -> None:
        with self.lock:
            self.errors.append(f"{what}: {short(frame)}")

    def begin(self) -> None:
        with self.lock:
            self.pending += 1

    def end(self) -> None:
        with self.lock:
            self.pending -= 1
            if self.pending == 0:
                self.cond.notify_all()

    def next_id(self, kind: str) -> str:
        return f"{kind}-{next(self.ids)}"

    # -- requests -----------------------------------------------------------------------------

    def generate_params(self, model: str, *, wait: bool = True, save: bool = False, n: int = 1,
                        fmt: str = "url") -> tuple[dict, Path | None]:
        params: dict[str, Any] = {"prompt": f"soak {self.rng.randrange(1 << 30)}", "model": model,
                                  "response_format": fmt, "pollIntervalMs": self.poll_ms,
                                  "timeoutMs": self.timeout_ms}
        if n != 1:
            params["n"] = n
        if not wait:
            params["wait"] = False
        folder = None
        if save:
            folder = self.save_root / f"s{next(self.ids)}"
            params["saveTo"] = str(folder)
        return params, folder

    def note_log_ids(self, id: Any, frame: dict) -> str | None:
        """The logIds the adapter reported for request `id`: task.progress and the answer."""
        seen = self.adapter.take_progress(id)
        result, error = frame.get("result"), frame.get("error")
        answer_id = None
        if isinstance(result, dict) and isinstance(result.get("logId"), str):
            answer_id = result["logId"]
        elif isinstance(error, dict) and isinstance(error.get("data"), dict) and isinstance(error["data"].get("logId"), str):
            answer_id = error["data"]["logId"]
        with self.lock:
            self.reported_log_ids.update(seen)
            if answer_id:
                self.reported_log_ids.add(answer_id)
            if isinstance(error, dict) and error.get("code") == -32013 and "submitted" in str(error.get("message", "")):
                self.may_have_submitted.append(short(frame))
        if answer_id and seen and answer_id not in seen:
            self.error(f"{id}: the answer's logId is not the one task.progress named ({sorted(seen)})", frame)
        return answer_id

    def check_saved(self, id: Any, result: dict, folder: Path | None, expect: int) -> bool:
        saved = result.get("saved")
        if folder is None:
            if saved is not None:
                self.error(f"{id}: `saved` without saveTo", result)
                return False
            return True
        ok = True
        if not isinstance(saved, list) or len(saved) != expect:
            self.error(f"{id}: expected {expect} saved path(s)", result)
            ok = False
        else:
            for p in saved:
                try:
                    size = os.path.getsize(p)
                    with open(p, "rb") as f:
                        head = f.read(8)
                except OSError as e:
                    self.error(f"{id}: saved file unreadable ({e})", result)
                    ok = False
                    continue
                if not head.startswith(b"\x89PNG") or os.path.dirname(os.path.abspath(p)) != str(folder):
                    self.error(f"{id}: saved file is not a PNG in {folder}: {p}", result)
                    ok = False
                with self.lock:
                    self.saved_files += 1
                    self.saved_bytes += size
        shutil.rmtree(folder, ignore_errors=True)
        return ok

    def success_result(self, id: Any, frame: dict, folder: Path | None, n: int, kind: str) -> bool:
        result = frame.get("result")
        if not isinstance(result, dict) or result.get("status") != "success":
            self.error(f"{id} ({kind}): expected a successful job", frame)
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            return False
        images = result.get("images")
        if not isinstance(images, list) or len(images) != n:
            self.error(f"{id} ({kind}): expected {n} image(s)", frame)
        ok = self.check_saved(id, result, folder, n)
        if ok:
            with self.lock:
                self.jobs_done += 1
                self.count(f"{kind} ok")
                if isinstance(result.get("logId"), str):
                    self.recent_log_ids.append(result["logId"])
        return ok

    def gen_wait(self, *, save: bool, n: int = 1, fmt: str = "url") -> None:
        id = self.next_id("gen")
        params, folder = self.generate_params(self.mode.ok_model, save=save, n=n, fmt=fmt)
        self.begin()
        self.generates_sent += 1

        def done(frame: dict) -> None:
            self.note_log_ids(id, frame)
            self.success_result(id, frame, folder, n, "generate")
            self.end()

        self.adapter.request(id, "image.generate", params, done)

    def gen_fail(self) -> None:
        id = self.next_id("fail")
        params, _ = self.generate_params(self.mode.fail_model)
        self.begin()
        self.generates_sent += 1

        def done(frame: dict) -> None:
            log_id = self.note_log_ids(id, frame)
            err = frame.get("error")
            if isinstance(err, dict) and err.get("code") == -32011 and log_id:
                with self.lock:
                    self.count("generate failed-job (-32011) as expected")
                    self.jobs_done += 1
            else:
                self.error(f"{id}: expected -32011 (the job failed) with data.logId", frame)
            self.end()

        self.adapter.request(id, "image.generate", params, done)

    def gen_nowait(self, *, save_status: bool, fmt: str = "url") -> None:
        id = self.next_id("sub")
        params, _ = self.generate_params(self.mode.ok_model, wait=False, fmt=fmt)
        self.begin()
        self.generates_sent += 1

        def submitted(frame: dict) -> None:
            log_id = self.note_log_ids(id, frame)
            result = frame.get("result")
            if not isinstance(result, dict) or not log_id or not LOG_ID.fullmatch(log_id):
                self.error(f"{id}: expected {{logId, status}} for wait:false", frame)
                self.end()
                return
            with self.lock:
                self.count("generate wait:false ok")
            self.status_wait(log_id, save_status)
            self.end()

        self.adapter.request(id, "image.generate", params, submitted)

    def status_wait(self, log_id: str, save: bool) -> None:
        id = self.next_id("stw")
        folder = self.save_root / f"t{next(self.ids)}" if save else None
        params: dict[str, Any] = {"logId": log_id, "wait": True, "pollIntervalMs": self.poll_ms,
                                  "timeoutMs": self.timeout_ms}
        if folder:
            params["saveTo"] = str(folder)
        self.begin()

        def done(frame: dict) -> None:
            self.adapter.take_progress(id)
            result = frame.get("result")
            if isinstance(result, dict) and result.get("logId") != log_id:
                self.error(f"{id}: task.status answered for another logId than {log_id}", frame)
            self.success_result(id, frame, folder, 1, "task.status wait:true")
            self.end()

        self.adapter.request(id, "task.status", params, done)

    def status_now(self, log_id: str) -> None:
        id = self.next_id("st")
        self.begin()

        def done(frame: dict) -> None:
            self.adapter.take_progress(id)
            result = frame.get("result")
            if isinstance(result, dict) and result.get("logId") == log_id and result.get("status") == "success":
                with self.lock:
                    self.count("task.status wait:false ok")
            else:
                self.error(f"{id}: task.status of finished job {log_id}: expected success", frame)
            self.end()

        self.adapter.request(id, "task.status", {"logId": log_id}, done)

    def gen_cancel(self, delay_s: float) -> None:
        id = self.next_id("cx")
        params, folder = self.generate_params(self.mode.ok_model, save=self.rng.random() < 0.3)
        self.begin()
        self.generates_sent += 1

        def done(frame: dict) -> None:
            log_id = self.note_log_ids(id, frame)
            err = frame.get("error")
            if isinstance(err, dict) and err.get("code") == -32800:
                with self.lock:
                    self.count("cancelled (-32800) after submission" if log_id else "cancelled (-32800) before submission")
                if log_id:
                    with self.lock:
                        self.recent_log_ids.append(log_id)
                if folder:
                    shutil.rmtree(folder, ignore_errors=True)
            elif isinstance(frame.get("result"), dict):
                # The cancel came after the job ended: an ordinary result.
                self.success_result(id, frame, folder, 1, "generate (cancel came too late)")
            else:
                self.error(f"{id}: expected -32800 or the result after $/cancelRequest", frame)
                if folder:
                    shutil.rmtree(folder, ignore_errors=True)
            self.end()

        self.adapter.request(id, "image.generate", params, done)
        self.adapter.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}, delay_s=delay_s)
        with self.lock:
            self.count("$/cancelRequest sent")

    def models(self) -> None:
        id = self.next_id("models")
        self.begin()

        def done(frame: dict) -> None:
            result = frame.get("result")
            if isinstance(result, list) and any(isinstance(m, dict) and m.get("name") == self.mode.ok_model for m in result):
                with self.lock:
                    self.count("image.models ok")
            else:
                self.error(f"{id}: expected the model list with {self.mode.ok_model}", frame)
            self.end()

        self.adapter.request(id, "image.models", None, done)

    def invalid(self) -> None:
        id = self.next_id("bad")
        self.begin()

        def done(frame: dict) -> None:
            err = frame.get("error")
            if isinstance(err, dict) and err.get("code") == -32602:
                with self.lock:
                    self.count("invalid params (-32602) as expected")
            else:
                self.error(f"{id}: expected -32602", frame)
            self.end()

        self.adapter.request(id, "image.generate", {"prompt": "", "model": self.mode.ok_model, "n": 11,
                                                    "responseFormat": "url"}, done)

    # -- a round ---------------------------------------------------------------------------------

    def round(self, timeout_s: float) -> bool:
        """About `concurrency` image.generate at once plus the rest; True when all were answered."""
        c = self.concurrency
        n_cancel = max(1, c // 20)          # 5 of 100
        n_fail = max(1, c // 20)            # 5
        n_nowait = max(1, c // 4)           # 25 (each followed by task.status wait:true)
        n_wait = max(1, c - n_cancel - n_fail - n_nowait)   # 65
        with self.lock:
            previous = self.recent_log_ids[-5:]
            self.recent_log_ids = []
        plan: list[Callable[[], None]] = []
        for i in range(n_wait):
            fmt = "b64_json" if i % 3 == 0 else "url"
            plan.append(lambda i=i, fmt=fmt: self.gen_wait(save=i % 4 == 0, n=2 if i % 10 == 5 else 1, fmt=fmt))
        for i in range(n_nowait):
            plan.append(lambda i=i: self.gen_nowait(save_status=i % 5 == 0, fmt="b64_json" if i % 2 else "url"))
        for _ in range(n_fail):
            plan.append(self.gen_fail)
        for i in range(n_cancel):
            # At once (usually before or during submission), or while the job is being polled.
            delay = 0.0 if i % 2 == 0 else self.rng.uniform(0.05, 0.6)
            plan.append(lambda delay=delay: self.gen_cancel(delay))
        for log_id in previous:
            plan.append(lambda log_id=log_id: self.status_now(log_id))
        for _ in range(5):
            plan.append(self.models)
        plan.append(self.invalid)
        self.rng.shuffle(plan)
        for step in plan:
            step()
        deadline = time.monotonic() + timeout_s
        with self.lock:
            while self.pending > 0:
                left = deadline - time.monotonic()
                if left <= 0 or self.adapter.eof.is_set():
                    break
                self.cond.wait(min(left, 1.0))
            left_over = self.pending
        if left_over:
            missing = self.adapter.outstanding()
            why = "the adapter's stdout closed" if self.adapter.eof.is_set() else f"no answer within {timeout_s:.0f} s"
            self.error(f"round stopped: {why}; {left_over} request(s) unanswered", missing[:50])
            return False
        return True


def run_mode(mode_name: str, opts: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"aitoearn-soak-{mode_name}-"))
    standin = None
    save_root = workdir / "saved"
    save_root.mkdir()
    # The simulator's private image folder (mkdtemp in TMPDIR) lands here, where it can be counted.
    sim_tmp = workdir / "tmp"
    try:
        if mode_name == "sim":
            mode = Mode("sim", "sim-image", "sim-image-fail",
                        ["--simulate", "--simulate-delay-ms", str(opts.sim_delay_ms)], {"TMPDIR": str(sim_tmp)})
            sim_tmp.mkdir()
        else:
            standin = StandinProcess(workdir, pending_polls=opts.pending_polls)
            mode = Mode("http", "gpt-image-1", "standin-fail", ["--base-url", standin.base_url],
                        {"AITOEARN_API_KEY": STANDIN_KEY})
        adapter = Adapter(opts.bin, mode.args, mode.env, workdir)
        soak = Soak(adapter=adapter, mode=mode, save_root=save_root, concurrency=opts.concurrency,
                    timeout_ms=int(opts.round_timeout_s * 1000), poll_ms=opts.poll_ms, rng=random.Random(opts.seed))
        samples: list[Sample] = []
        quiet: list[tuple[float, int | None, int | None]] = []   # (t, fds, rss_kib) between rounds
        loads: list[float] = []
        stop = threading.Event()
        t0 = time.monotonic()
        cpu0 = cpu_totals()

        def sample() -> None:
            st = proc_status(adapter.pid)
            with soak.lock:
                done, pend = soak.jobs_done, soak.pending
            samples.append(Sample(time.monotonic() - t0, st.get("VmRSS"), st.get("RssAnon"), fd_count(adapter.pid),
                                  st.get("Threads"), done, pend))
            loads.append(os.getloadavg()[0])

        def sampler() -> None:
            last_print = 0.0
            while not stop.wait(opts.sample_s):
                sample()
                s = samples[-1]
                if s.t - last_print >= 60:
                    last_print = s.t
                    print(f"  [{mode_name} {s.t / 60:4.1f} min] jobs {s.jobs_done}, RSS {(s.rss_kib or 0) / 1024:.1f} MiB "
                          f"(anon {(s.anon_kib or 0) / 1024:.1f}), fds {s.fds}, threads {s.threads}, "
                          f"in flight {s.in_flight}, errors {len(soak.errors)}, load {os.getloadavg()[0]:.2f}", flush=True)

        print(f"# {mode_name}: {opts.minutes:g} min, adapter pid {adapter.pid}, {' '.join(mode.args)}; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        sample()
        sampler_thread = threading.Thread(target=sampler, daemon=True)
        sampler_thread.start()
        rounds = 0
        end_at = t0 + opts.minutes * 60
        try:
            while time.monotonic() < end_at:
                ok = soak.round(opts.round_timeout_s)
                rounds += 1
                quiet.append((time.monotonic() - t0, fd_count(adapter.pid), proc_status(adapter.pid).get("VmRSS")))
                if not ok or adapter.eof.is_set():
                    break
        finally:
            stop.set()
            sampler_thread.join(timeout=opts.sample_s + 5)
        sample()
        wall = time.monotonic() - t0
        cpu1 = cpu_totals()
        adapter_cpu = proc_cpu_s(adapter.pid)
        hwm = proc_status(adapter.pid).get("VmHWM")
        sim_left = sum(len(list(d.iterdir())) for d in sim_tmp.glob("aitoearn-rpc-sim-*")) if mode_name == "sim" else 0
        rc = adapter.close()
        stats = standin.command("stats") if standin else None
        created = standin.command("log_ids")["log_ids"] if standin else None
        if standin:
            standin.stop()
    except BaseException:
        if standin:
            standin.stop()
        raise
    finally:
        try:
            adapter.kill()  # noqa: F821 - no-op when it exited
        except NameError:
            pass

    errors = list(soak.errors)
    resets: list[str] = []
    errors.extend(adapter.protocol_errors)
    if rc != 0:
        errors.append(f"the adapter exited with status {rc} after end of input")
    err_text = adapter.stderr_text().strip()
    if err_text:
        errors.append(f"adapter stderr: {short(err_text, 20000)}")
    lost: list[str] = [f"-32013 may have been submitted: {x}" for x in soak.may_have_submitted]
    posts = None
    if standin is not None:
        resets, other = split_standin_stderr(standin.stderr_text())
        if other.strip():
            errors.append(f"stand-in stderr: {short(other.strip(), 20000)}")
        posts = stats["received"].get("POST submit", 0)
        unknown = [x for x in created if x not in soak.reported_log_ids]
        for x in unknown:
            lost.append(f"the stand-in created job {x} (a POST) but the adapter never reported its logId")
        non200 = {k: v for k, v in stats["answered"].items() if not k.endswith(" 200")}
        if non200:
            errors.append(f"stand-in answered non-200: {non200}")

    warm = [s for s in samples if s.t >= opts.warmup_s]
    rss_pts = [(s.t, s.rss_kib * 1024 / MB) for s in warm if s.rss_kib is not None]
    anon_pts = [(s.t, s.anon_kib * 1024 / MB) for s in warm if s.anon_kib is not None]
    fd_pts = [(s.t, s.fds) for s in warm if s.fds is not None]
    rss_slope = slope_per_10min(rss_pts)
    # Informational: the second half alone (growth that stops early, e.g. the simulator's job table
    # filling up to its 10,000 jobs, shows in the slope above but not here).
    mid = samples[-1].t / 2 if samples else 0
    rss_slope_late = slope_per_10min([p for p in rss_pts if p[0] >= mid])
    anon_slope = slope_per_10min(anon_pts)
    fd_slope = slope_per_10min([(t, float(v)) for t, v in fd_pts])
    warm_fds = [v for _, v in fd_pts]
    early_fds = [s.fds for s in samples if s.t < opts.warmup_s and s.fds is not None]
    q_warm = [(t, f) for t, f, _ in quiet if t >= opts.warmup_s and f is not None]
    half = len(q_warm) // 2
    q_first, q_second = [f for _, f in q_warm[:half]], [f for _, f in q_warm[half:]]
    # Over HTTP a quiet sample also counts idle kept-alive connections, as many as ran at once in
    # the last minute: a round that ends soon after a burst shows a spike, and each minute's
    # lowest wanders by the pool's spare. A leak raises every sample, so the judge is the median
    # of each half (a leak of one fd per 10,000 jobs moves it by about 6); the floor is printed.
    floors: dict[int, tuple[float, int]] = {}
    for t, f in q_warm:
        m = int(t // 60)
        floors[m] = min(floors.get(m, (t, f)), (t, f), key=lambda p: p[1])
    floor_slope = slope_per_10min([(t, float(f)) for t, f in floors.values()])
    med_first = statistics.median(q_first) if q_first else None
    med_second = statistics.median(q_second) if q_second else None
    fd_grew = bool(q_first and q_second and med_second > med_first + opts.fd_tolerance)
    warm_jobs = next((s.jobs_done for s in samples if s.t >= opts.warmup_s), None)
    busy = None
    if cpu0 and cpu1:
        busy = 100 * (1 - (cpu1[1] - cpu0[1]) / max(1, cpu1[0] - cpu0[0]))

    res = {
        "mode": mode_name, "minutes": wall / 60, "rounds": rounds, "jobs_done": soak.jobs_done,
        "generates_sent": soak.generates_sent, "jobs_at_warmup_end": warm_jobs, "counts": dict(sorted(soak.counts.items())),
        "errors": errors, "lost_submissions": lost, "posts": posts,
        "log_ids_reported": len(soak.reported_log_ids), "created_at_standin": None if created is None else len(created),
        "rss_slope_mb_per_10min": rss_slope, "rss_slope_second_half": rss_slope_late, "anon_slope_mb_per_10min": anon_slope, "fd_slope_per_10min": fd_slope,
        "rss_mib": {"start": (samples[0].rss_kib or 0) / 1024, "after_warmup": (warm[0].rss_kib or 0) / 1024 if warm else None,
                    "end": (samples[-1].rss_kib or 0) / 1024,
                    "min_after_warmup": min((p[1] for p in rss_pts), default=0) * MB / 2**20,
                    "max_after_warmup": max((p[1] for p in rss_pts), default=0) * MB / 2**20,
                    "peak_hwm": (hwm or 0) / 1024},
        "fds_after_warmup": {"min": min(warm_fds, default=None), "max": max(warm_fds, default=None)},
        "fds_warmup_max": max(early_fds, default=None),
        "quiet_fds": {"floor_slope_per_10min": floor_slope, "median_first_half": med_first, "median_second_half": med_second,
                      "first_half": [min(q_first, default=None), max(q_first, default=None)],
                      "second_half": [min(q_second, default=None), max(q_second, default=None)],
                      "first": quiet[0][1] if quiet else None, "last": quiet[-1][1] if quiet else None},
        "threads": [min((s.threads for s in samples if s.threads), default=None),
                    max((s.threads for s in samples if s.threads), default=None)],
        "adapter_cpu_s": adapter_cpu, "machine_busy_pct": busy,
        "load_avg_1min": {"mean": sum(loads) / len(loads) if loads else None, "max": max(loads, default=None)},
        "standin_connection_resets": resets, "saved_files": soak.saved_files, "saved_mb": soak.saved_bytes / MB,
        "sim_images_at_end": sim_left,
        "notifications": dict(adapter.notifications), "exit_status": rc, "standin": stats,
        "samples": [s.__dict__ for s in samples], "quiet": quiet,
    }
    shutil.rmtree(workdir, ignore_errors=True)

    failures = []
    if errors:
        failures.append(f"{len(errors)} error(s)")
    if lost:
        failures.append(f"{len(lost)} lost submission(s)")
    if rss_slope is None:
        failures.append("too few RSS samples after the warm-up for a slope (run longer)")
    elif rss_slope > opts.max_rss_slope_mb:
        failures.append(f"RSS slope {rss_slope:.2f} MB/10 min > {opts.max_rss_slope_mb}")
    if sim_left > SIM_MAX_FILES:
        failures.append(f"the simulator's image folder holds {sim_left} files at the end, more than its "
                        f"{SIM_MAX_FILES} (10,000 jobs it remembers, {SOAK_MAX_N} images each)")
    if fd_grew:
        failures.append(f"quiet fds grew: median after warm-up {med_first:g} in the first half, {med_second:g} in the "
                        f"second (tolerance {opts.fd_tolerance})")
    res["failures"] = failures
    report(res, opts)
    return res


def report(r: dict, opts: argparse.Namespace) -> None:
    m = r["mode"]
    p = lambda s: print(f"  {s}", flush=True)  # noqa: E731
    print(f"## {m}: {r['minutes']:.2f} min, {r['rounds']} rounds, exit status {r['exit_status']}", flush=True)
    p(f"jobs done: {r['jobs_done']} ({r['jobs_at_warmup_end']} by the end of the warm-up; {r['generates_sent']} "
      f"image.generate sent; {r['saved_files']} files saved, {r['saved_mb']:.1f} MB, removed as they came)")
    p("outcomes: " + ", ".join(f"{k} {v}" for k, v in r["counts"].items()))
    p("notifications: " + ", ".join(f"{k} {v}" for k, v in sorted(r["notifications"].items())))

    def signed(v, spec: str = "+.3f") -> str:
        return "n/a" if v is None else format(v, spec)

    rm, q, fds = r["rss_mib"], r["quiet_fds"], r["fds_after_warmup"]
    p(f"RSS slope after {opts.warmup_s:g} s: {signed(r['rss_slope_mb_per_10min'])} MB/10 min (RssAnon "
      f"{signed(r['anon_slope_mb_per_10min'])}; second half of the run alone {signed(r['rss_slope_second_half'])}); "
      f"RSS MiB start {rm['start']:.1f}, at warm-up end {rm['after_warmup'] or 0:.1f}, min/max after "
      f"{rm['min_after_warmup']:.1f}/{rm['max_after_warmup']:.1f}, end {rm['end']:.1f}, peak (VmHWM) {rm['peak_hwm']:.1f}")
    p(f"fds after warm-up (every {opts.sample_s:g} s, requests in flight): min {fds['min']}, max {fds['max']} "
      f"(warm-up max {r['fds_warmup_max']}), slope {signed(r['fd_slope_per_10min'], '+.2f')}/10 min; quiet (between "
      f"rounds): first {q['first']}, last {q['last']}; median first half {q['median_first_half']}, second half "
      f"{q['median_second_half']}; min/max first half {q['first_half']}, second half {q['second_half']}; floor "
      f"(each minute's lowest) slope {signed(q['floor_slope_per_10min'], '+.1f')}/10 min")
    busy = r["machine_busy_pct"]
    p(f"threads min/max {r['threads']}; adapter CPU {r['adapter_cpu_s'] or 0:.1f} s; machine busy "
      f"{'n/a' if busy is None else f'{busy:.0f}%'}, "
      f"1-min load average mean {r['load_avg_1min']['mean'] or 0:.2f} max {r['load_avg_1min']['max'] or 0:.2f} "
      f"({os.cpu_count()} CPUs)")
    if m == "sim":
        p(f"simulator url images in its folder at the end: {r['sim_images_at_end']} (it deletes a job's images "
          f"when it forgets the job; at most {SIM_MAX_FILES})")
    if r["standin"] is not None:
        st = r["standin"]
        p(f"stand-in: POSTs {r['posts']}, jobs it created {r['created_at_standin']}, logIds the adapter reported "
          f"{r['log_ids_reported']}; requests {st['received']}; connections accepted {st['accepted']} "
          f"(max open {st['max_open']})")
    if r["standin_connection_resets"]:
        p(f"stand-in: {len(r['standin_connection_resets'])} connection(s) reset by the adapter while the stand-in "
          f"waited on them (a transfer cancelled with unread data; not counted as errors): "
          f"{r['standin_connection_resets'][0]}")
    p(f"lost submissions: {len(r['lost_submissions'])}")
    for x in r["lost_submissions"]:
        p(f"  LOST {x}")
    p(f"errors: {len(r['errors'])}")
    for e in r["errors"]:
        p(f"  ERROR {e}")
    p("verdict: " + ("PASS" if not r["failures"] else "FAIL: " + "; ".join(r["failures"])))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--standin-child"]:
        return standin_child_main(json.loads(argv[1]) if len(argv) > 1 else {})
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="per mode (default 10)")
    ap.add_argument("--mode", choices=("sim", "http", "both"), default="both")
    ap.add_argument("--bin", help="the binary (also env AITOEARN_RPC_BIN)")
    ap.add_argument("--concurrency", type=int, default=100, help="image.generate per round (default 100)")
    ap.add_argument("--sample-s", type=float, default=5.0, help="sampling period (default 5 s)")
    ap.add_argument("--warmup-s", type=float, default=60.0, help="left out of the slope (default 60 s)")
    ap.add_argument("--poll-ms", type=int, default=100, help="pollIntervalMs of every request (default 100)")
    ap.add_argument("--sim-delay-ms", type=int, default=500, help="--simulate-delay-ms (default 500)")
    ap.add_argument("--pending-polls", type=int, default=1, help="stand-in: `generating` answers per job (default 1)")
    ap.add_argument("--round-timeout-s", type=float, default=120.0, help="a round's answers (default 120 s)")
    ap.add_argument("--max-rss-slope-mb", type=float, default=1.0, help="MB per 10 minutes (default 1.0)")
    ap.add_argument("--fd-tolerance", type=int, default=5,
                    help="quiet fds: how far the second half's median may pass the first half's (default 5)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json", metavar="PATH", help="also write the figures and samples as JSON")
    opts = ap.parse_args(argv)
    opts.bin = opts.bin or os.environ.get("AITOEARN_RPC_BIN") or str(DEFAULT_BIN)
    if not os.path.exists(opts.bin):
        print(f"binary not found: {opts.bin} (run `swift build -c release` or pass --bin)", file=sys.stderr)
        return 2
    print(f"binary: {opts.bin}; {os.cpu_count()} CPUs; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results = []
    for name in (["sim", "http"] if opts.mode == "both" else [opts.mode]):
        results.append(run_mode(name, opts))
    if opts.json:
        Path(opts.json).write_text(json.dumps(results, indent=1, default=str) + "\n")
    failed = [r["mode"] for r in results if r["failures"]]
    print(f"# soak {'FAILED: ' + ', '.join(failed) if failed else 'passed'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
