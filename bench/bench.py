#!/usr/bin/env python3
"""Benchmarks for the aitoearn-rpc binary (a script, not a test: it prints numbers).

    swift build -c release
    python3 bench/bench.py [--bin PATH] [--runs 20] [--requests 100000] [--only NAME,...]

The binary is --bin, else env AITOEARN_RPC_BIN, else <repo>/.build/release/aitoearn-rpc.

Adding a benchmark: write `def bench_something(ctx: Context) -> None` that measures and calls
`ctx.report(name, value, unit, **details)`, and decorate it with `@benchmark("something")`.
Helpers: `ctx.spawn(args)`, `encode(obj, framing)`, `FrameReader` (counts or parses frames
from a pipe), `peak_rss_kib(pid)`, `proc_status_kib(pid, "VmRSS")`, `watchdog(proc, s, what)`,
`StandinProcess()` (e2e/standin.py in a child process, one finished job). Python 3.11 standard
library only.

Benchmarks: cold-start, throughput, status-roundtrips (adapter vs plain http.client through a
loopback stand-in), simulator-1000 (1,000 concurrent image.generate: wall time, peak RSS),
idle-rss, poll-30s (polls and detection delay for a 30 s simulated job, default schedule).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BIN = REPO / ".build" / "release" / "aitoearn-rpc"
UNKNOWN_METHOD = "bench/no.such.method"

# ---------------------------------------------------------------------------
# framing helpers
# ---------------------------------------------------------------------------


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def encode(obj: Any, framing: str) -> bytes:
    body = dumps(obj)
    if framing == "lsp":
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    return body + b"\n"


def request(method: str, params: Any = None, id: Any = 1) -> dict:
    msg = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


class FrameReader:
    """Reads frames from a pipe fd. `parse=False` only counts them (cheap enough not to be
    the bottleneck); `parse=True` also returns the decoded JSON bodies."""

    def __init__(self, fd: int, framing: str):
        self.fd = fd
        self.framing = framing
        self.buf = bytearray()
        self.count = 0
        self.eof = False

    def _fill(self) -> bool:
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _split(self, parse: bool) -> list:
        out = []
        if self.framing == "ndjson":
            if not parse:
                n = self.buf.count(b"\n")
                if n:
                    cut = self.buf.rfind(b"\n") + 1
                    del self.buf[:cut]
                    self.count += n
                return [None] * n
            while (nl := self.buf.find(b"\n")) >= 0:
                out.append(json.loads(self.buf[:nl]))
                del self.buf[: nl + 1]
            self.count += len(out)
            return out
        pos = 0
        buf = self.buf
        while True:
            end = buf.find(b"\r\n\r\n", pos)
            if end < 0:
                break
            length = None
            for line in bytes(buf[pos:end]).split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise RuntimeError(f"bad frame header: {bytes(buf[pos:end])!r}")
            start = end + 4
            if len(buf) < start + length:
                break
            out.append(json.loads(buf[start:start + length]) if parse else None)
            pos = start + length
        del self.buf[:pos]
        self.count += len(out)
        return out

    def read(self, parse: bool = True) -> list:
        """Block until at least one frame is complete (or EOF); return the new frames."""
        while True:
            frames = self._split(parse)
            if frames or self.eof:
                return frames
            if not self._fill():
                return []

    def read_until(self, n: int) -> None:
        """Block until n frames in all have been read (counted, not parsed)."""
        while self.count < n:
            self._split(False)
            if self.count >= n:
                break
            if not self._fill():
                raise RuntimeError(f"stdout closed after {self.count} of {n} frames")


def peak_rss_kib(pid: int) -> int | None:
    """Peak resident set size of a live process (Linux /proc), in KiB; None elsewhere."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------
# registry and context
# ---------------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[["Context"], None]] = {}


def benchmark(name: str):
    def register(fn):
        BENCHMARKS[name] = fn
        return fn
    return register


@dataclass
class Context:
    bin: str
    runs: int
    requests: int
    results: list = field(default_factory=list)

    def spawn(self, args=(), env=None, extra_env=None) -> subprocess.Popen:
        """Start the binary with a clean environment (no AITOEARN_* or proxy variables);
        `extra_env` is added after the cleaning (e.g. AITOEARN_API_KEY)."""
        env = dict(os.environ if env is None else env)
        for k in list(env):
            if k.startswith("AITOEARN_") or k.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
                del env[k]
        env.update(extra_env or {})
        return subprocess.Popen([self.bin, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, bufsize=0, env=env)

    def report(self, name: str, value: float, unit: str, **details) -> None:
        extra = "  ".join(f"{k}={v}" for k, v in details.items())
        print(f"{name:<44} {value:>14,.2f} {unit:<10} {extra}", flush=True)
        self.results.append({"name": name, "value": value, "unit": unit, **details})


def close(proc: subprocess.Popen, timeout: float = 10) -> int:
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
    finally:
        proc.stdout.close()


# ---------------------------------------------------------------------------
# benchmarks
# ---------------------------------------------------------------------------

@benchmark("cold-start")
def bench_cold_start(ctx: Context) -> None:
    """Spawn, send initialize (LSP framing), time until the response frame is fully read."""
    init = encode(request("initialize", {"processId": None, "capabilities": {}}), "lsp")
    samples = []
    for _ in range(ctx.runs):
        t0 = time.perf_counter()
        proc = ctx.spawn()
        proc.stdin.write(init)
        reader = FrameReader(proc.stdout.fileno(), "lsp")
        while True:
            frames = reader.read(parse=True)
            if not frames:
                raise RuntimeError("stdout closed before the initialize response")
            if any(isinstance(f, dict) and f.get("id") == 1 for f in frames):
                break
        samples.append(time.perf_counter() - t0)
        close(proc)
    ms = sorted(s * 1000 for s in samples)
    ctx.report("cold start to initialize response (median)", statistics.median(ms), "ms",
               runs=len(ms), min=f"{ms[0]:.2f}", p90=f"{ms[int(0.9 * (len(ms) - 1))]:.2f}", max=f"{ms[-1]:.2f}")


def children_cpu() -> float:
    """User+system CPU seconds of all waited-for children so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pipelined(ctx: Context, framing: str, n: int, make_request: Callable[[int], dict], args=()) -> tuple[float, float]:
    """Write n requests from a thread while reading all n responses.
    Returns (requests per second, adapter CPU seconds for the whole process lifetime)."""
    cpu0 = children_cpu()
    payload = b"".join(encode(make_request(i), framing) for i in range(n))
    proc = ctx.spawn(["--framing", framing, *args])
    reader = FrameReader(proc.stdout.fileno(), framing)
    # Warm up (and fix the framing) with one round trip before the clock starts.
    proc.stdin.write(encode(request(UNKNOWN_METHOD, id="warmup"), framing))
    reader.read_until(1)
    error: list[BaseException] = []

    def write():
        try:
            view = memoryview(payload)
            for i in range(0, len(view), 1 << 16):
                proc.stdin.write(view[i:i + (1 << 16)])
        except BaseException as e:  # noqa: BLE001 - reported below
            error.append(e)

    writer = threading.Thread(target=write, daemon=True)
    t0 = time.perf_counter()
    writer.start()
    reader.read_until(1 + n)
    elapsed = time.perf_counter() - t0
    writer.join()
    close(proc)
    if error:
        raise error[0]
    return n / elapsed, children_cpu() - cpu0


@benchmark("throughput")
def bench_throughput(ctx: Context) -> None:
    for framing in ("ndjson", "lsp"):
        rate, cpu = pipelined(ctx, framing, ctx.requests, lambda i: request(UNKNOWN_METHOD, id=i))
        ctx.report(f"pipelined unknown-method, {framing}", rate, "req/s", requests=ctx.requests,
                   adapter_cpu_s=f"{cpu:.2f}", wall_s=f"{ctx.requests / rate:.2f}")


# -- helpers for the benchmarks below ---------------------------------------------------------

STANDIN_KEY = "sk-bench-standin-key"
E2E_DIR = REPO / "e2e"

# The stand-in (e2e/standin.py) runs in its own Python process so that neither client under
# test (the adapter, or the plain http.client threads in this process) shares a GIL with it.
STANDIN_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from standin import Standin
server = Standin(api_key=sys.argv[2])
server.log_limit = 100          # the request log stays small over thousands of requests
server.start()
log_id = server.add_job()       # already terminal: status `success`
print(json.dumps({"base_url": server.base_url, "host": server.host, "port": server.port,
                  "log_id": log_id}), flush=True)
sys.stdin.read()                # serve until the benchmark closes our stdin
server.stop()
"""


class StandinProcess:
    """e2e/standin.py in a child process on 127.0.0.1 (ephemeral port), with one finished job."""

    def __init__(self, api_key: str = STANDIN_KEY):
        self.proc = subprocess.Popen([sys.executable, "-c", STANDIN_SCRIPT, str(E2E_DIR), api_key],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("stand-in did not start")
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.host: str = info["host"]
        self.port: int = info["port"]
        self.log_id: str = info["log_id"]

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self) -> "StandinProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def proc_status_kib(pid: int, key: str) -> int | None:
    """A `Vm...:` line of /proc/PID/status (VmRSS, VmHWM, ...) in KiB; None if unavailable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_s(pid: int) -> float | None:
    """User+system CPU seconds of a live process so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def watchdog(proc: subprocess.Popen, seconds: float, what: str) -> threading.Timer:
    """Kill `proc` if the benchmark is still running after `seconds` (the reader then sees EOF
    and the benchmark fails instead of hanging). Cancel the returned timer when done."""
    def fire():
        print(f"[watchdog] {what}: still running after {seconds:.0f}s, killing pid {proc.pid}",
              file=sys.stderr, flush=True)
        proc.kill()
    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()
    return t


def is_response(frame: Any) -> bool:
    return isinstance(frame, dict) and "id" in frame and "method" not in frame


def read_response(reader: FrameReader, id: Any, seen: list | None = None) -> dict:
    """Parse frames until the response with this id; other frames go to `seen`."""
    while True:
        frames = reader.read(parse=True)
        if not frames:
            raise RuntimeError(f"stdout closed before the response to id {id!r}")
        for f in frames:
            if is_response(f) and f.get("id") == id:
                return f
            if seen is not None:
                seen.append(f)


def median_and_range(values: list[float], fmt: str = "{:.0f}") -> dict:
    v = sorted(values)
    return {"runs": len(v), "min": fmt.format(v[0]), "max": fmt.format(v[-1])}


# -- status-roundtrips ---------------------------------------------------------------------------

STATUS_N = 2000
STATUS_CONCURRENCY = 8
STATUS_ROUNDS = 5
STATUS_WARMUP = 100


def adapter_closed_loop(proc: subprocess.Popen, reader: FrameReader, log_id: str, n: int,
                        concurrency: int, id_base: int) -> float:
    """Keep exactly `concurrency` task.status requests in flight (a new one is written as soon
    as a response is read) until n responses are in; returns the elapsed seconds."""
    def send(i: int) -> None:
        proc.stdin.write(encode(request("task.status", {"logId": log_id, "wait": False}, id=id_base + i),
                                "ndjson"))

    t0 = time.perf_counter()
    sent = 0
    for _ in range(min(concurrency, n)):
        send(sent)
        sent += 1
    done = 0
    while done < n:
        frames = reader.read(parse=True)
        if not frames:
            raise RuntimeError(f"adapter stdout closed after {done} of {n} task.status responses")
        for f in frames:
            if not is_response(f):
                continue  # status.changed / task.progress notifications
            result = f.get("result")
            if not isinstance(result, dict) or result.get("status") != "success":
                raise RuntimeError(f"task.status failed: {json.dumps(f)[:300]}")
            done += 1
            if sent < n:
                send(sent)
                sent += 1
    return time.perf_counter() - t0


def http_closed_loop(host: str, port: int, log_id: str, n: int, concurrency: int) -> float:
    """`concurrency` threads, each doing GET /api/ai/image/task/{logId} on a new connection
    (Connection: close, as the adapter does) and decoding the JSON envelope, until n are done."""
    import http.client
    import uuid

    path = "/api/ai/image/task/" + log_id
    base_headers = {"X-Api-Key": STANDIN_KEY, "Accept": "application/json",
                    "Content-Type": "application/json", "User-Agent": "bench-plain-client/1",
                    "Connection": "close"}
    lock = threading.Lock()
    state = {"next": 0}
    errors: list[BaseException | str] = []

    def worker() -> None:
        while True:
            with lock:
                if state["next"] >= n or errors:
                    return
                state["next"] += 1
            try:
                conn = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    conn.request("GET", path, headers={**base_headers, "X-Request-Id": uuid.uuid4().hex})
                    resp = conn.getresponse()
                    body = resp.read()
                finally:
                    conn.close()
                env = json.loads(body)
                if resp.status != 200 or env.get("code") != 0 or env["data"].get("status") != "success":
                    errors.append(f"HTTP {resp.status}: {body[:200]!r}")
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - t0
    if any(t.is_alive() for t in threads):
        raise RuntimeError("plain HTTP client threads did not finish within 120 s")
    if errors:
        raise RuntimeError(f"plain HTTP client: {errors[0]!r}")
    return elapsed


PLAIN_URLSESSION_SRC = REPO / "bench" / "plain_urlsession.swift"
PLAIN_URLSESSION_BIN = REPO / ".build" / "bench-plain-urlsession"


def plain_urlsession_tool() -> Path:
    """Compiles the plain URLSession client once (again when its source changes)."""
    if not PLAIN_URLSESSION_BIN.exists() or PLAIN_URLSESSION_BIN.stat().st_mtime < PLAIN_URLSESSION_SRC.stat().st_mtime:
        subprocess.run(["swiftc", "-O", str(PLAIN_URLSESSION_SRC), "-o", str(PLAIN_URLSESSION_BIN)], check=True)
    return PLAIN_URLSESSION_BIN


def urlsession_closed_loop(url: str, n: int, concurrency: int) -> float:
    out = subprocess.run([str(plain_urlsession_tool()), url, str(n), str(concurrency), STANDIN_KEY],
                         check=True, capture_output=True, text=True, timeout=120)
    return float(out.stdout.strip())


@benchmark("status-roundtrips")
def bench_status_roundtrips(ctx: Context) -> None:
    """task.status round trips/s through the adapter vs. a plain Python http.client against the
    same loopback stand-in, same closed-loop concurrency, rounds interleaved."""
    n, conc = STATUS_N, STATUS_CONCURRENCY
    with StandinProcess() as server:
        proc = ctx.spawn(["--framing", "ndjson", "--base-url", server.base_url],
                         extra_env={"AITOEARN_API_KEY": STANDIN_KEY})
        dog = watchdog(proc, 300, "status-roundtrips")
        try:
            reader = FrameReader(proc.stdout.fileno(), "ndjson")
            # Warm up both clients (connection setup paths, the stand-in's threads, the adapter).
            http_closed_loop(server.host, server.port, server.log_id, STATUS_WARMUP, conc)
            adapter_closed_loop(proc, reader, server.log_id, STATUS_WARMUP, conc, id_base=10_000_000)
            status_url = f"{server.base_url}/api/ai/image/task/{server.log_id}"
            urlsession_closed_loop(status_url, STATUS_WARMUP, conc)
            plain_rates, adapter_rates, urlsession_rates = [], [], []
            cpu = 0.0
            for r in range(STATUS_ROUNDS):
                plain_rates.append(n / http_closed_loop(server.host, server.port, server.log_id, n, conc))
                urlsession_rates.append(n / urlsession_closed_loop(status_url, n, conc))
                c0 = proc_cpu_s(proc.pid) or 0.0
                adapter_rates.append(n / adapter_closed_loop(proc, reader, server.log_id, n, conc,
                                                             id_base=r * n))
                cpu += (proc_cpu_s(proc.pid) or 0.0) - c0
        finally:
            dog.cancel()
            close(proc)
    plain = statistics.median(plain_rates)
    adapter = statistics.median(adapter_rates)
    rounds = lambda xs: "/".join(f"{x:.0f}" for x in xs)  # noqa: E731
    ctx.report("task.status via adapter (median)", adapter, "rt/s", requests=n, in_flight=conc,
               rounds=rounds(adapter_rates), adapter_cpu_ms_per_rt=f"{cpu * 1000 / (n * STATUS_ROUNDS):.3f}")
    ctx.report("plain http.client GET, same stand-in (median)", plain, "rt/s", requests=n, threads=conc,
               rounds=rounds(plain_rates), conn="new per request")
    # Headline: the median of the per-round ratios (each round runs plain then adapter back to
    # back, so a burst of outside load hits both sides of a pair rather than one median).
    pair = [a / b for a, b in zip(adapter_rates, plain_rates)]
    ratio = statistics.median(pair)
    ctx.report("status round trips: adapter / plain (median of rounds)", ratio, "x", target=">=0.8",
               ok=ratio >= 0.8, per_round=",".join(f"{x:.2f}" for x in pair),
               ratio_of_medians=f"{adapter / plain:.2f}", loadavg_1m=f"{os.getloadavg()[0]:.2f}")
    # The same comparison against plain URLSession, the HTTP stack the adapter itself uses: this
    # isolates what the adapter adds (JSON-RPC, envelopes, retries, notifications) on top of it.
    urlsession = statistics.median(urlsession_rates)
    ctx.report("plain URLSession GET, same stand-in (median)", urlsession, "rt/s", requests=n, in_flight=conc,
               rounds=rounds(urlsession_rates), conn="new per request")
    upair = [a / b for a, b in zip(adapter_rates, urlsession_rates)]
    uratio = statistics.median(upair)
    ctx.report("status round trips: adapter / plain URLSession (median of rounds)", uratio, "x", target=">=0.8",
               ok=uratio >= 0.8, per_round=",".join(f"{x:.2f}" for x in upair))


# -- simulator-1000 ------------------------------------------------------------------------------

SIM_JOBS = 1000


@benchmark("simulator-1000")
def bench_simulator_1000(ctx: Context) -> None:
    """1,000 image.generate written at once to one --simulate adapter (2 s jobs, 500 ms polls)."""
    proc = ctx.spawn(["--simulate", "--simulate-delay-ms", "2000", "--framing", "ndjson"])
    dog = watchdog(proc, 120, "simulator-1000")
    try:
        reader = FrameReader(proc.stdout.fileno(), "ndjson")
        proc.stdin.write(encode(request(UNKNOWN_METHOD, id="warmup"), "ndjson"))
        read_response(reader, "warmup")
        rss_before = proc_status_kib(proc.pid, "VmRSS")
        payload = b"".join(
            encode(request("image.generate", {"prompt": f"bench {i}", "model": "sim-image",
                                              "pollIntervalMs": 500}, id=i), "ndjson")
            for i in range(SIM_JOBS))
        error: list[BaseException] = []

        def write() -> None:
            try:
                proc.stdin.write(payload)
            except BaseException as e:  # noqa: BLE001 - reported below
                error.append(e)

        writer = threading.Thread(target=write, daemon=True)
        t0 = time.perf_counter()
        writer.start()
        ok, bad, progress = 0, [], 0
        while ok + len(bad) < SIM_JOBS:
            frames = reader.read(parse=True)
            if not frames:
                raise RuntimeError(f"stdout closed after {ok + len(bad)} of {SIM_JOBS} responses")
            for f in frames:
                if is_response(f):
                    res = f.get("result")
                    if isinstance(res, dict) and res.get("status") == "success":
                        ok += 1
                    else:
                        bad.append(f)
                elif isinstance(f, dict) and f.get("method") == "task.progress":
                    progress += 1
        wall = time.perf_counter() - t0
        writer.join(timeout=10)
        peak = peak_rss_kib(proc.pid)  # VmHWM, just before closing stdin
        rss_end = proc_status_kib(proc.pid, "VmRSS")
    finally:
        dog.cancel()
        close(proc)
    if error:
        raise error[0]
    if bad:
        raise RuntimeError(f"{len(bad)} of {SIM_JOBS} image.generate did not succeed, e.g. "
                           f"{json.dumps(bad[0])[:300]}")
    ctx.report(f"{SIM_JOBS} concurrent image.generate (simulator): wall", wall * 1000, "ms",
               succeeded=f"{ok}/{SIM_JOBS}", job_delay_ms=2000, poll_ms=500, task_progress=progress)
    peak_mib = (peak or 0) / 1024
    ctx.report(f"{SIM_JOBS} concurrent image.generate: peak RSS", peak_mib, "MiB", target="<=64",
               ok=peak is not None and peak_mib <= 64,
               rss_before_mib=f"{(rss_before or 0) / 1024:.1f}", rss_after_mib=f"{(rss_end or 0) / 1024:.1f}")


# -- idle-rss ------------------------------------------------------------------------------------

IDLE_RUNS = 3


def idle_rss_once(ctx: Context, args: list[str], models: bool) -> int:
    proc = ctx.spawn(["--framing", "ndjson", *args])
    dog = watchdog(proc, 30, "idle-rss")
    try:
        reader = FrameReader(proc.stdout.fileno(), "ndjson")
        proc.stdin.write(encode(request("initialize", {"processId": None, "capabilities": {}}, id=1), "ndjson"))
        proc.stdin.write(encode({"jsonrpc": "2.0", "method": "initialized", "params": {}}, "ndjson"))
        read_response(reader, 1)
        if models:
            proc.stdin.write(encode(request("image.models", id=2), "ndjson"))
            resp = read_response(reader, 2)
            if not isinstance(resp.get("result"), list):
                raise RuntimeError(f"image.models failed: {json.dumps(resp)[:300]}")
        time.sleep(0.5)
        rss = proc_status_kib(proc.pid, "VmRSS")
    finally:
        dog.cancel()
        close(proc)
    if rss is None:
        raise RuntimeError("VmRSS unavailable (not Linux?)")
    return rss


@benchmark("idle-rss")
def bench_idle_rss(ctx: Context) -> None:
    """VmRSS 0.5 s after initialize+initialized (default mode, no key), and after image.models
    in --simulate mode; median of IDLE_RUNS fresh processes each."""
    idle = [idle_rss_once(ctx, [], models=False) / 1024 for _ in range(IDLE_RUNS)]
    sim = [idle_rss_once(ctx, ["--simulate"], models=True) / 1024 for _ in range(IDLE_RUNS)]
    ctx.report("idle RSS after initialize (default, no key)", statistics.median(idle), "MiB", target="<=20",
               ok=statistics.median(idle) <= 20, **median_and_range(idle, "{:.1f}"))
    ctx.report("RSS after image.models (--simulate)", statistics.median(sim), "MiB", target="<=20",
               ok=statistics.median(sim) <= 20, **median_and_range(sim, "{:.1f}"))


# -- poll-30s --------------------------------------------------------------------------------

POLL_JOB_MS = 30_000


@benchmark("poll-30s")
def bench_poll_30s(ctx: Context) -> None:
    """One image.generate on a 30 s simulated job with the default poll schedule: status polls
    made and the delay from the job's completion to the response."""
    proc = ctx.spawn(["--simulate", "--simulate-delay-ms", str(POLL_JOB_MS), "--framing", "ndjson"])
    dog = watchdog(proc, POLL_JOB_MS / 1000 + 45, "poll-30s")
    try:
        reader = FrameReader(proc.stdout.fileno(), "ndjson")
        proc.stdin.write(encode(request("image.generate", {"prompt": "bench poll 30s", "model": "sim-image"},
                                        id="job"), "ndjson"))
        t_sent = time.monotonic()
        t_submit = t_resp = None
        progress: list[dict] = []
        resp = None
        while resp is None:
            frames = reader.read(parse=True)
            now = time.monotonic()
            if not frames:
                raise RuntimeError("stdout closed before the image.generate response")
            for f in frames:
                if isinstance(f, dict) and f.get("method") == "task.progress":
                    params = f.get("params") or {}
                    progress.append(params)
                    if params.get("poll") == 0 and t_submit is None:
                        t_submit = now
                elif is_response(f) and f.get("id") == "job":
                    resp, t_resp = f, now
    finally:
        dog.cancel()
        close(proc)
    result = resp.get("result")
    if not isinstance(result, dict) or result.get("status") != "success":
        raise RuntimeError(f"image.generate failed: {json.dumps(resp)[:300]}")
    if t_submit is None:
        raise RuntimeError("no task.progress with poll 0 was seen")
    polls = [p for p in progress if isinstance(p.get("poll"), int) and p["poll"] >= 1]
    delay_ms = (t_resp - (t_submit + POLL_JOB_MS / 1000)) * 1000
    final_elapsed = progress[-1].get("elapsedMs") if progress else None
    schedule = ",".join(f"{p.get('elapsedMs', 0) / 1000:.1f}" for p in polls)
    ctx.report("30 s job, default schedule: status polls", len(polls), "polls", target="<=16",
               ok=len(polls) <= 16, max_poll=max((p["poll"] for p in polls), default=0),
               poll_at_s=schedule)
    ctx.report("30 s job: completion to response", delay_ms, "ms", target="<=2000", ok=delay_ms <= 2000,
               final_elapsedMs_minus_30000=(final_elapsed - POLL_JOB_MS) if isinstance(final_elapsed, int) else None,
               submit_after_send_ms=f"{(t_submit - t_sent) * 1000:.1f}")


# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin_pos", nargs="?", metavar="BIN", help="binary (same as --bin)")
    parser.add_argument("--bin", help="binary to benchmark")
    parser.add_argument("--runs", type=int, default=20, help="cold-start runs (default 20)")
    parser.add_argument("--requests", type=int, default=100_000, help="requests per throughput run")
    parser.add_argument("--only", help="comma-separated benchmark names: " + ", ".join(BENCHMARKS))
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    opts = parser.parse_args(argv)
    bin_path = opts.bin or opts.bin_pos or os.environ.get("AITOEARN_RPC_BIN") or str(DEFAULT_BIN)
    if not os.path.exists(bin_path):
        print(f"binary not found: {bin_path} (run `swift build -c release` or pass --bin)", file=sys.stderr)
        return 2
    names = opts.only.split(",") if opts.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; have {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    ctx = Context(bin=bin_path, runs=opts.runs, requests=opts.requests)
    print(f"binary: {bin_path}")
    for name in names:
        BENCHMARKS[name](ctx)
    if opts.json:
        Path(opts.json).write_text(json.dumps({"bin": bin_path, "results": ctx.results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
