#!/usr/bin/env python3
"""Benchmarks for the aitoearn-rpc binary (a script, not a test: it prints numbers).

    swift build -c release
    python3 bench/bench.py [NAME ...] [--bin PATH] [--cold-start-bin PATH] [--runs 20]
                           [--requests 100000] [--rounds 3] [--json PATH]

`python3 bench/bench.py http-1000` runs one benchmark; no NAME runs them all. `--base-bin PATH`
runs each benchmark on a second binary just before (main's build, say) for a comparison under
the same load. The binary is
--bin, else env AITOEARN_RPC_BIN, else <repo>/.build/release/aitoearn-rpc. cold-start also
times each --cold-start-bin (env AITOEARN_RPC_COLD_START_BINS, colon-separated), e.g. the
static binary `scripts/install /tmp/aitoearn-bench-prefix` puts in /tmp/aitoearn-bench-prefix/bin.
The exit status is 1 when a benchmark found a problem (failed jobs, lost or extra submissions).

Adding a benchmark: write `def bench_something(ctx: Context) -> None` that measures and calls
`ctx.report(name, value, unit, **details)`, and decorate it with `@benchmark("something")`.
Helpers: `ctx.spawn(args)`, `encode(obj, framing)`, `FrameReader` (counts or parses frames
from a pipe), `peak_rss_kib(pid)`, `proc_status_kib(pid, "VmRSS")`, `watchdog(proc, s, what)`,
`StandinProcess(**config)` (Tests/EndToEnd/standin.py in a child process, bench/standin_child.py, one
finished job, request counters). Python 3.11 standard library only. Everything stays on
127.0.0.1, and every benchmark is bounded by a watchdog.

Benchmarks: cold-start (also for --cold-start-bin), throughput, status-roundtrips (adapter vs a
plain http.client, new connection per request and keep-alive, through a loopback stand-in),
simulator-1000 (1,000 concurrent image.generate on the simulator), http-1000 (1,000 concurrent
image.generate against the stand-in over HTTP: all succeed, exactly 1,000 submissions; wall
time, peak RSS), huge-image (a 49 MiB URL image saved with saveTo: time, peak RSS), idle-rss,
poll-30s (polls and detection delay for a 30 s simulated job, default schedule), video-30s (CPU,
peak RSS and polls of a 30 s simulated video job saved with saveTo).
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
    rounds: int = 3                 # fresh processes per run of http-1000 and huge-image
    cold_start_bins: list = field(default_factory=list)  # more binaries for cold-start
    label: str = ""                 # "base" or "this" when --base-bin compares two binaries
    results: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def spawn(self, args=(), env=None, extra_env=None, bin: str | None = None) -> subprocess.Popen:
        """Start the binary with a clean environment (no AITOEARN_* or proxy variables);
        `extra_env` is added after the cleaning (e.g. AITOEARN_API_KEY)."""
        env = dict(os.environ if env is None else env)
        for k in list(env):
            if k.startswith("AITOEARN_") or k.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
                del env[k]
        env.update(extra_env or {})
        return subprocess.Popen([bin or self.bin, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, bufsize=0, env=env)

    def report(self, name: str, value: float, unit: str, **details) -> None:
        if self.label:
            name = f"[{self.label}] {name}"
        extra = "  ".join(f"{k}={v}" for k, v in details.items())
        print(f"{name:<44} {value:>14,.2f} {unit:<10} {extra}", flush=True)
        self.results.append({"name": name, "value": value, "unit": unit, **details})


def close(proc: subprocess.Popen, timeout: float = 10) -> int:
    """End of input, then the exit status (killed if it takes longer than `timeout`)."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
    finally:
        if proc.stdout is not None:
            proc.stdout.close()


# ---------------------------------------------------------------------------
# benchmarks
# ---------------------------------------------------------------------------

def swift_runtime(bin_path: str) -> str:
    """"static" when the binary needs no libswiftCore.so (built with --static-swift-stdlib)."""
    try:
        out = subprocess.run(["ldd", bin_path], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return "dynamic" if "libswiftCore" in out else "static"


def cold_start_once(ctx: Context, bin_path: str) -> float:
    """Seconds from spawning `bin_path` to reading its whole initialize response."""
    init = encode(request("initialize", {"processId": None, "capabilities": {}}), "lsp")
    t0 = time.perf_counter()
    proc = ctx.spawn(bin=bin_path)
    proc.stdin.write(init)
    reader = FrameReader(proc.stdout.fileno(), "lsp")
    while True:
        frames = reader.read(parse=True)
        if not frames:
            raise RuntimeError("stdout closed before the initialize response")
        if any(isinstance(f, dict) and f.get("id") == 1 for f in frames):
            break
    elapsed = time.perf_counter() - t0
    close(proc)
    return elapsed


FLOOR_SOURCE = 'print("hello")\n'


def floor_binary() -> str | None:
    """A static Swift hello-world (built once into .build/bench-floor with swiftc), whose spawn
    time is the floor for any static Swift program here; None without swiftc (not Linux, say)."""
    out = REPO / ".build" / "bench-floor" / "hello-static"
    if out.exists():
        return str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.parent / "hello.swift"
    src.write_text(FLOOR_SOURCE)
    static = ["-static-stdlib"] if sys.platform.startswith("linux") else []
    try:
        subprocess.run(["swiftc", "-O", *static, str(src), "-o", str(out)], check=True, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    return str(out)


def floor_spawn_once(bin_path: str) -> float:
    """Seconds from spawning the hello-world to reading its line."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([bin_path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.wait()
    proc.stdout.close()
    if line != b"hello\n":
        raise RuntimeError(f"the hello-world printed {line!r}")
    return elapsed


@benchmark("cold-start")
def bench_cold_start(ctx: Context) -> None:
    """Spawn, send initialize (LSP framing), time until the response frame is fully read; for
    the binary under test and each --cold-start-bin (e.g. the installed static binary). One
    unmeasured start of each first (every file in the page cache), then ctx.runs rounds that
    start each binary once in turn, so a burst of outside load hits all of them alike."""
    bins = [ctx.bin, *[b for b in ctx.cold_start_bins if b != ctx.bin]]
    samples: dict[str, list[float]] = {b: [] for b in bins}
    floor = floor_binary()
    floor_ms: list[float] = []
    for b in bins:
        cold_start_once(ctx, b)
    if floor:
        floor_spawn_once(floor)
    for _ in range(ctx.runs):
        for b in bins:
            samples[b].append(cold_start_once(ctx, b) * 1000)
        if floor:
            floor_ms.append(floor_spawn_once(floor) * 1000)
    if floor_ms:
        fm = sorted(floor_ms)
        ctx.report("floor: spawn a static Swift hello-world to its line (median)", statistics.median(fm), "ms",
                   bin=floor, runs=len(fm), min=f"{fm[0]:.2f}", max=f"{fm[-1]:.2f}")
    for b in bins:
        ms = sorted(samples[b])
        kind = swift_runtime(b)
        build = "debug" if "/debug/" in b else "release"
        ctx.report(f"cold start to initialize, {build}, {kind} runtime (median)", statistics.median(ms), "ms",
                   target="<=3.5" if kind == "static" else "<=10", bin=b, size_mb=f"{os.path.getsize(b) / 1e6:.1f}",
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
        # The process's whole life (start, warm-up, exit) over the requests: an upper bound.
        ctx.report(f"pipelined unknown-method, {framing}: adapter CPU per request", cpu * 1e6 / ctx.requests, "us",
                   target="<=6" if framing == "ndjson" else "<=8")


# -- helpers for the benchmarks below ---------------------------------------------------------

STANDIN_KEY = "sk-bench-standin-key"
E2E_DIR = REPO / "Tests" / "EndToEnd"

# The stand-in (Tests/EndToEnd/standin.py) runs in its own Python process (bench/standin_child.py) so that
# neither client under test (the adapter, or the plain http.client threads in this process)
# shares a GIL with it.
STANDIN_CHILD = REPO / "bench" / "standin_child.py"


class StandinProcess:
    """Tests/EndToEnd/standin.py in a child process on 127.0.0.1 (ephemeral port), with one finished job.

    `config` goes to bench/standin_child.py: backlog (listen backlog, default 4096),
    huge_image_bytes (the /images/huge route's size), pending_polls, log_limit. `stats()` gives
    the child's own counters: requests received by "METHOD endpoint", answers by
    "METHOD endpoint STATUS", connections accepted and the most open at once. The child's
    stderr goes to a temporary file, `stderr_tail()`."""

    def __init__(self, api_key: str = STANDIN_KEY, **config: Any):
        import tempfile
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, str(STANDIN_CHILD), str(E2E_DIR), api_key, json.dumps(config)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        self.lock = threading.Lock()
        line = self.proc.stdout.readline()
        if not line:
            tail = self.stderr_tail()
            self.stop()
            raise RuntimeError(f"stand-in did not start: {tail}")
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.host: str = info["host"]
        self.port: int = info["port"]
        self.log_id: str = info["log_id"]

    def command(self, op: str, **args: Any) -> dict:
        with self.lock:
            self.proc.stdin.write(dumps({"op": op, **args}) + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"stand-in gone: {self.stderr_tail()}")
        return json.loads(line)

    def stats(self) -> dict:
        return self.command("stats")

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode(errors="replace")[-limit:]
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        close(self.proc)

    def __enter__(self) -> "StandinProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        self.stderr.close()


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


def round_trip(proc: subprocess.Popen, reader: FrameReader, method: str, params: Any = None,
               id: Any = "warmup") -> dict:
    """Writes one NDJSON request and parses frames until its response, which it returns."""
    proc.stdin.write(encode(request(method, params, id=id), "ndjson"))
    return read_response(reader, id)


def read_job(reader: FrameReader, id: Any, clock: Callable[[], float]) -> tuple[dict, float, list[tuple[dict, float]]]:
    """Parse frames until the response with this id. Returns it, when it was read (by `clock`),
    and the params of each task.progress on the way with when that was read."""
    resp, t_resp, progress = None, 0.0, []
    while resp is None:
        frames = reader.read(parse=True)
        now = clock()
        if not frames:
            raise RuntimeError(f"stdout closed before the response to id {id!r}")
        for f in frames:
            if isinstance(f, dict) and f.get("method") == "task.progress":
                progress.append((f.get("params") or {}, now))
            elif is_response(f) and f.get("id") == id:
                resp, t_resp = f, now
    return resp, t_resp, progress


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


def http_closed_loop(host: str, port: int, log_id: str, n: int, concurrency: int, keepalive: bool) -> float:
    """`concurrency` threads, each doing GET /api/ai/image/task/{logId} and decoding the JSON
    envelope, until n are done; returns the elapsed seconds. `keepalive=False`: a new connection
    per request (Connection: close); `keepalive=True`: one HTTP/1.1 connection per thread, reused
    (reopened only if the server closes it), as the adapter's pool does for status polls."""
    import http.client
    import uuid

    path = "/api/ai/image/task/" + log_id
    base_headers = {"X-Api-Key": STANDIN_KEY, "Accept": "application/json",
                    "Content-Type": "application/json", "User-Agent": "bench-plain-client/1"}
    if not keepalive:
        base_headers["Connection"] = "close"
    lock = threading.Lock()
    state = {"next": 0}
    errors: list[BaseException | str] = []

    def worker() -> None:
        conn = None
        try:
            while True:
                with lock:
                    if state["next"] >= n or errors:
                        return
                    state["next"] += 1
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                conn.request("GET", path, headers={**base_headers, "X-Request-Id": uuid.uuid4().hex})
                resp = conn.getresponse()
                body = resp.read()
                if not keepalive or resp.will_close:
                    conn.close()
                    conn = None
                env = json.loads(body)
                if resp.status != 200 or env.get("code") != 0 or env["data"].get("status") != "success":
                    errors.append(f"HTTP {resp.status}: {body[:200]!r}")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            if conn is not None:
                conn.close()

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


# The adapter's figure before the libcurl client (URLSession, a new connection per request),
# on this bench: the acceptance target is twice it.
STATUS_BEFORE_RT_S = 1480


@benchmark("status-roundtrips")
def bench_status_roundtrips(ctx: Context) -> None:
    """task.status round trips/s through the adapter (its status GETs ride a keep-alive pool),
    against the same loopback stand-in as a plain Python http.client with a new connection per
    request and with one kept-alive connection per thread; same closed-loop concurrency, the
    three interleaved in every round. The headline is the adapter's absolute rate against the
    1,480/s it did before the libcurl client (target: twice that)."""
    n, conc = STATUS_N, STATUS_CONCURRENCY
    with StandinProcess() as server:
        proc = ctx.spawn(["--framing", "ndjson", "--base-url", server.base_url],
                         extra_env={"AITOEARN_API_KEY": STANDIN_KEY})
        dog = watchdog(proc, 300, "status-roundtrips")
        try:
            reader = FrameReader(proc.stdout.fileno(), "ndjson")
            # Warm up every client (connection setup paths, the stand-in's threads, the adapter).
            http_closed_loop(server.host, server.port, server.log_id, STATUS_WARMUP, conc, keepalive=False)
            http_closed_loop(server.host, server.port, server.log_id, STATUS_WARMUP, conc, keepalive=True)
            adapter_closed_loop(proc, reader, server.log_id, STATUS_WARMUP, conc, id_base=10_000_000)
            server.command("reset")
            new_rates, keep_rates, adapter_rates = [], [], []
            cpu = 0.0
            adapter_conns = 0
            for r in range(STATUS_ROUNDS):
                new_rates.append(n / http_closed_loop(server.host, server.port, server.log_id, n, conc, keepalive=False))
                keep_rates.append(n / http_closed_loop(server.host, server.port, server.log_id, n, conc, keepalive=True))
                before = server.stats()["accepted"]
                c0 = proc_cpu_s(proc.pid) or 0.0
                adapter_rates.append(n / adapter_closed_loop(proc, reader, server.log_id, n, conc,
                                                             id_base=r * n))
                cpu += (proc_cpu_s(proc.pid) or 0.0) - c0
                adapter_conns += server.stats()["accepted"] - before
            stats = server.stats()
        finally:
            dog.cancel()
            close(proc)
    adapter = statistics.median(adapter_rates)
    plain_new = statistics.median(new_rates)
    plain_keep = statistics.median(keep_rates)
    rounds = lambda xs: "/".join(f"{x:.0f}" for x in xs)  # noqa: E731
    target = 2 * STATUS_BEFORE_RT_S
    ctx.report("task.status via adapter (median)", adapter, "rt/s", target=f">={target}", ok=adapter >= target,
               vs_before=f"{adapter / STATUS_BEFORE_RT_S:.2f}x of {STATUS_BEFORE_RT_S}",
               requests=n, in_flight=conc, rounds=rounds(adapter_rates),
               adapter_cpu_ms_per_rt=f"{cpu * 1000 / (n * STATUS_ROUNDS):.3f}",
               tcp_conns=f"{adapter_conns} for {n * STATUS_ROUNDS} GETs")
    cpu_ms = cpu * 1000 / (n * STATUS_ROUNDS)
    ctx.report("task.status via adapter: adapter CPU per round trip", cpu_ms, "ms", target="<=0.15", ok=cpu_ms <= 0.15)
    ctx.report("plain http.client GET, new conn per request", plain_new, "rt/s", requests=n, threads=conc,
               rounds=rounds(new_rates))
    ctx.report("plain http.client GET, keep-alive per thread", plain_keep, "rt/s", requests=n, threads=conc,
               rounds=rounds(keep_rates))
    # Ratios: the median of the per-round ratios (each round runs the three back to back, so a
    # burst of outside load hits all of a round rather than one median).
    for label, base in (("new-conn", new_rates), ("keep-alive", keep_rates)):
        pair = [a / b for a, b in zip(adapter_rates, base)]
        ctx.report(f"status round trips: adapter / plain {label}", statistics.median(pair), "x",
                   **({"target": ">=1.0"} if label == "keep-alive" else {}), per_round=",".join(f"{x:.2f}" for x in pair))
    errors = {k: v for k, v in stats["answered"].items() if not k.endswith(" 200")}
    if errors:
        print(f"  stand-in answered non-200: {errors}", flush=True)


# -- simulator-1000 ------------------------------------------------------------------------------

SIM_JOBS = 1000


def generate_all(proc: subprocess.Popen, reader: FrameReader, requests: list[dict]) -> tuple[float, list, list, int]:
    """Writes all `requests` at once (from a thread) and reads until each has its response.
    Returns (wall seconds, successful responses, other responses, task.progress count)."""
    payload = b"".join(encode(r, "ndjson") for r in requests)
    error: list[BaseException] = []

    def write() -> None:
        try:
            proc.stdin.write(payload)
        except BaseException as e:  # noqa: BLE001 - reported below
            error.append(e)

    writer = threading.Thread(target=write, daemon=True)
    t0 = time.perf_counter()
    writer.start()
    ok, bad, progress = [], [], 0
    while len(ok) + len(bad) < len(requests):
        frames = reader.read(parse=True)
        if not frames:
            raise RuntimeError(f"stdout closed after {len(ok) + len(bad)} of {len(requests)} responses")
        for f in frames:
            if is_response(f):
                res = f.get("result")
                (ok if isinstance(res, dict) and res.get("status") == "success" else bad).append(f)
            elif isinstance(f, dict) and f.get("method") == "task.progress":
                progress += 1
    wall = time.perf_counter() - t0
    writer.join(timeout=10)
    if error:
        raise error[0]
    return wall, ok, bad, progress


@benchmark("simulator-1000")
def bench_simulator_1000(ctx: Context) -> None:
    """1,000 image.generate written at once to one --simulate adapter (2 s jobs, 500 ms polls)."""
    proc = ctx.spawn(["--simulate", "--simulate-delay-ms", "2000", "--framing", "ndjson"])
    dog = watchdog(proc, 120, "simulator-1000")
    try:
        reader = FrameReader(proc.stdout.fileno(), "ndjson")
        round_trip(proc, reader, UNKNOWN_METHOD)
        rss_before = proc_status_kib(proc.pid, "VmRSS")
        reqs = [request("image.generate", {"prompt": f"bench {i}", "model": "sim-image", "pollIntervalMs": 500}, id=i)
                for i in range(SIM_JOBS)]
        wall, succeeded, bad, progress = generate_all(proc, reader, reqs)
        ok = len(succeeded)
        peak = peak_rss_kib(proc.pid)  # VmHWM, just before closing stdin
        rss_end = proc_status_kib(proc.pid, "VmRSS")
    finally:
        dog.cancel()
        close(proc)
    if bad:
        raise RuntimeError(f"{len(bad)} of {SIM_JOBS} image.generate did not succeed, e.g. "
                           f"{json.dumps(bad[0])[:300]}")
    ctx.report(f"{SIM_JOBS} concurrent image.generate (simulator): wall", wall * 1000, "ms",
               succeeded=f"{ok}/{SIM_JOBS}", job_delay_ms=2000, poll_ms=500, task_progress=progress)
    peak_mib = (peak or 0) / 1024
    ctx.report(f"{SIM_JOBS} concurrent image.generate: peak RSS", peak_mib, "MiB", target="<=64",
               ok=peak is not None and peak_mib <= 64,
               rss_before_mib=f"{(rss_before or 0) / 1024:.1f}", rss_after_mib=f"{(rss_end or 0) / 1024:.1f}")


# -- http-1000 -----------------------------------------------------------------------------------

HTTP_JOBS = 1000
HTTP_POLL_MS = 200          # first poll after 200 ms, the second 400 ms later
HTTP_PENDING_POLLS = 1      # the stand-in answers `generating` once, then `success`


def http_1000_once(ctx: Context) -> dict:
    with StandinProcess(pending_polls=HTTP_PENDING_POLLS) as server:
        proc = ctx.spawn(["--framing", "ndjson", "--base-url", server.base_url],
                         extra_env={"AITOEARN_API_KEY": STANDIN_KEY})
        dog = watchdog(proc, 120, "http-1000")
        try:
            reader = FrameReader(proc.stdout.fileno(), "ndjson")
            # One status round trip first: libcurl is loaded and the pool warm before the clock.
            warm = round_trip(proc, reader, "task.status", {"logId": server.log_id})
            if not isinstance(warm.get("result"), dict):
                raise RuntimeError(f"warm-up task.status failed: {json.dumps(warm)[:300]}")
            server.command("reset")
            rss_before = proc_status_kib(proc.pid, "VmRSS")
            cpu0 = proc_cpu_s(proc.pid) or 0.0
            reqs = [request("image.generate", {"prompt": f"bench http {i}", "model": "gpt-image-1",
                                               "pollIntervalMs": HTTP_POLL_MS}, id=i)
                    for i in range(HTTP_JOBS)]
            wall, ok, bad, progress = generate_all(proc, reader, reqs)
            cpu = (proc_cpu_s(proc.pid) or 0.0) - cpu0
            peak = peak_rss_kib(proc.pid)  # VmHWM, just before closing stdin
            rss_end = proc_status_kib(proc.pid, "VmRSS")
            # Anonymous (the process's own) vs file-backed (binary and libraries, libcurl's ~9 MiB
            # included) resident memory; the allocator keeps what it took, so this is near peak.
            anon_end, file_end = proc_status_kib(proc.pid, "RssAnon"), proc_status_kib(proc.pid, "RssFile")
            threads = proc_status_kib(proc.pid, "Threads")
            stats = server.stats()
        finally:
            dog.cancel()
            close(proc)
        tail = server.stderr_tail()
    return {"wall": wall, "ok": len(ok), "bad": bad, "progress": progress, "peak_kib": peak,
            "rss_before_kib": rss_before, "rss_end_kib": rss_end, "cpu": cpu, "threads": threads,
            "anon_end_kib": anon_end, "file_end_kib": file_end,
            "stats": stats, "standin_stderr": tail}


@benchmark("http-1000")
def bench_http_1000(ctx: Context) -> None:
    """1,000 image.generate written at once to one adapter against the loopback stand-in (each
    job answers `generating` once, then `success`; pollIntervalMs 200): all must succeed, and
    the stand-in must have received exactly 1,000 submissions (no loss, no resend). Wall time
    and the adapter's peak RSS, over ctx.rounds fresh adapter+stand-in pairs."""
    runs = []
    problems = []
    for r in range(ctx.rounds):
        res = http_1000_once(ctx)
        runs.append(res)
        st = res["stats"]
        posts = st["received"].get("POST submit", 0)
        non200 = {k: v for k, v in st["answered"].items() if not k.endswith(" 200")}
        peak_mib = (res["peak_kib"] or 0) / 1024
        print(f"  run {r + 1}: wall {res['wall']:.2f} s, ok {res['ok']}/{HTTP_JOBS}, peak RSS {peak_mib:.1f} MiB "
              f"(at the end: anon {(res['anon_end_kib'] or 0) / 1024:.1f}, file {(res['file_end_kib'] or 0) / 1024:.1f}), "
              f"POSTs {posts}, status GETs {st['received'].get('GET status', 0)}, "
              f"conns {st['accepted']} (max open {st['max_open']}), adapter CPU {res['cpu']:.2f} s, "
              f"threads {res['threads']}, task.progress {res['progress']}"
              + (f", non-200 answers {non200}" if non200 else ""), flush=True)
        if res["bad"]:
            problems.append(f"run {r + 1}: {len(res['bad'])} of {HTTP_JOBS} did not succeed, e.g. "
                            f"{json.dumps(res['bad'][0])[:400]}")
        if posts != HTTP_JOBS:
            problems.append(f"run {r + 1}: the stand-in received {posts} POSTs for {HTTP_JOBS} image.generate")
        if res["standin_stderr"].strip():
            problems.append(f"run {r + 1}: stand-in stderr: {res['standin_stderr'][-800:]}")
    walls = [x["wall"] for x in runs]
    peaks = [(x["peak_kib"] or 0) / 1024 for x in runs]
    posts = [x["stats"]["received"].get("POST submit", 0) for x in runs]
    ctx.report(f"{HTTP_JOBS} concurrent image.generate over HTTP: wall", statistics.median(walls) * 1000, "ms",
               succeeded="/".join(str(x["ok"]) for x in runs), posts_at_standin="/".join(map(str, posts)),
               poll_ms=HTTP_POLL_MS, **median_and_range([w * 1000 for w in walls]))
    peak_med = statistics.median(peaks)
    ctx.report(f"{HTTP_JOBS} concurrent image.generate over HTTP: peak RSS", peak_med, "MiB", target="<=48",
               ok=peak_med <= 48, MB=f"{peak_med * 1.048576:.1f}", worst_MB=f"{max(peaks) * 1.048576:.1f}",
               **median_and_range(peaks, "{:.1f}"),
               rss_before_mib="/".join(f"{(x['rss_before_kib'] or 0) / 1024:.1f}" for x in runs),
               rss_after_mib="/".join(f"{(x['rss_end_kib'] or 0) / 1024:.1f}" for x in runs))
    for p in problems:
        print(f"  PROBLEM {p}", flush=True)
    ctx.problems.extend(problems)


# -- huge-image ----------------------------------------------------------------------------------

HUGE_BYTES = 49 * 1024 * 1024   # under the adapter's 50 MiB limit (ImageSaver.maxImageBytes)


def huge_image_once(ctx: Context, out_dir: Path) -> dict:
    with StandinProcess(huge_image_bytes=HUGE_BYTES) as server:
        url = server.command("image_url", name="huge-bench.png")["url"]
        server.command("plan_job", plan={"pending_polls": 0, "images": [{"url": url, "revised_prompt": "huge"}]})
        proc = ctx.spawn(["--framing", "ndjson", "--base-url", server.base_url],
                         extra_env={"AITOEARN_API_KEY": STANDIN_KEY})
        dog = watchdog(proc, 60, "huge-image")
        try:
            reader = FrameReader(proc.stdout.fileno(), "ndjson")
            round_trip(proc, reader, UNKNOWN_METHOD)
            rss_before = proc_status_kib(proc.pid, "VmRSS")
            proc.stdin.write(encode(request("image.generate", {"prompt": "bench huge", "model": "gpt-image-1",
                                                               "pollIntervalMs": 10, "saveTo": str(out_dir)},
                                            id="job"), "ndjson"))
            t0 = time.perf_counter()
            resp, _, progress = read_job(reader, "job", time.perf_counter)
            # When the last `success` task.progress was read.
            t_done = next((now for params, now in reversed(progress) if params.get("status") == "success"), None)
            elapsed = time.perf_counter() - t0
            peak = peak_rss_kib(proc.pid)
            rss_end = proc_status_kib(proc.pid, "VmRSS")
        finally:
            dog.cancel()
            close(proc)
        stats = server.stats()
    result = resp.get("result")
    saved = result.get("saved") if isinstance(result, dict) else None
    if not saved:
        raise RuntimeError(f"image.generate with saveTo did not save: {json.dumps(resp)[:500]}; "
                           f"stand-in answers {stats['answered']}")
    size = os.path.getsize(saved[0])
    for f in saved:
        os.unlink(f)
    if size != HUGE_BYTES:
        raise RuntimeError(f"saved {size} bytes, expected {HUGE_BYTES}")
    return {"elapsed": elapsed, "save": None if t_done is None else t0 + elapsed - t_done, "peak_kib": peak,
            "rss_before_kib": rss_before, "rss_end_kib": rss_end, "size": size}


@benchmark("huge-image")
def bench_huge_image(ctx: Context) -> None:
    """A job whose one URL image is 49 MiB, saved with `saveTo`: seconds from writing the
    image.generate (pollIntervalMs 10, the job done at the first poll) to its response, the part
    after the `success` task.progress (download and write), and the adapter's peak RSS."""
    import tempfile
    runs = []
    with tempfile.TemporaryDirectory(prefix="aitoearn-bench-huge-") as tmp:
        for _ in range(ctx.rounds):
            runs.append(huge_image_once(ctx, Path(tmp)))
    el = [x["elapsed"] for x in runs]
    sv = [x["save"] for x in runs if x["save"] is not None]
    peaks = [(x["peak_kib"] or 0) / 1024 for x in runs]
    ctx.report(f"{HUGE_BYTES >> 20} MiB ({HUGE_BYTES / 1e6:.1f} MB) URL image saved: submit to response",
               statistics.median(el), "s", target="<=2", ok=max(el) <= 2, **median_and_range(el, "{:.3f}"),
               after_success_s="/".join(f"{x:.3f}" for x in sv))
    ctx.report(f"{HUGE_BYTES >> 20} MiB image saved: peak RSS", statistics.median(peaks), "MiB", target="<=40",
               ok=statistics.median(peaks) <= 40, **median_and_range(peaks, "{:.1f}"),
               rss_before_mib="/".join(f"{(x['rss_before_kib'] or 0) / 1024:.1f}" for x in runs),
               rss_after_mib="/".join(f"{(x['rss_end_kib'] or 0) / 1024:.1f}" for x in runs))


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
    ctx.report("idle RSS after initialize (default, no key)", statistics.median(idle), "MiB", target="<=10",
               ok=statistics.median(idle) <= 10, **median_and_range(idle, "{:.1f}"))
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
        resp, t_resp, seen = read_job(reader, "job", time.monotonic)
    finally:
        dog.cancel()
        close(proc)
    result = resp.get("result")
    if not isinstance(result, dict) or result.get("status") != "success":
        raise RuntimeError(f"image.generate failed: {json.dumps(resp)[:300]}")
    progress = [params for params, _ in seen]
    t_submit = next((now for params, now in seen if params.get("poll") == 0), None)
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


# -- video-30s --------------------------------------------------------------------------------


@benchmark("video-30s")
def bench_video_30s(ctx: Context) -> None:
    """One video.generate with saveTo on a 30 s simulated job, with the simulator's default poll
    interval and with the service's (pollIntervalMs 10000): the adapter's CPU time, peak RSS,
    status polls, and how long after the job's end the answer came."""
    import tempfile

    for label, extra in (("simulator default interval", {}), ("pollIntervalMs 10000", {"pollIntervalMs": 10_000})):
        with tempfile.TemporaryDirectory(prefix="aitoearn-bench-video-") as out:
            proc = ctx.spawn(["--simulate", "--simulate-delay-ms", str(POLL_JOB_MS), "--framing", "ndjson"])
            dog = watchdog(proc, POLL_JOB_MS / 1000 + 90, "video-30s")
            try:
                reader = FrameReader(proc.stdout.fileno(), "ndjson")
                params = {"prompt": "bench video 30s", "model": "sim-video", "saveTo": out, **extra}
                proc.stdin.write(encode(request("video.generate", params, id="job"), "ndjson"))
                resp, t_resp, seen = read_job(reader, "job", time.monotonic)
                cpu = proc_cpu_s(proc.pid)
                peak = peak_rss_kib(proc.pid)
            finally:
                dog.cancel()
                close(proc)
            result = resp.get("result")
            if not isinstance(result, dict) or str(result.get("status")).upper() != "SUCCESS" or len(result.get("saved", [])) != 2:
                raise RuntimeError(f"video.generate failed: {json.dumps(resp)[:300]}")
            t_submit = next(now for params, now in seen if params.get("poll") == 0)
            polls = [p for p, _ in seen if isinstance(p.get("poll"), int) and p["poll"] >= 1]
            late_ms = (t_resp - (t_submit + POLL_JOB_MS / 1000)) * 1000
            ctx.report(f"30 s video job, {label}: adapter CPU", (cpu or 0) * 1000, "ms",
                       peak_rss_kib=peak, polls=len(polls),
                       poll_at_s=",".join(f"{p.get('elapsedMs', 0) / 1000:.1f}" for p in polls),
                       answer_after_job_end_ms=f"{late_ms:.0f}",
                       video_bytes=os.path.getsize(result["saved"][0]))


# ---------------------------------------------------------------------------


def machine_busy(seconds: float = 1.0) -> str:
    """How busy all CPUs were over `seconds` (before a benchmark starts: others' load), from /proc/stat."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except OSError:
        return "n/a"
    return f"{100 * (1 - (i1 - i0) / max(1, t1 - t0)):.0f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all): " + ", ".join(BENCHMARKS))
    parser.add_argument("--bin", help="binary to benchmark (also env AITOEARN_RPC_BIN)")
    parser.add_argument("--cold-start-bin", action="append", default=[], metavar="PATH",
                        help="another binary for cold-start, e.g. the installed static one (repeatable; "
                             "also env AITOEARN_RPC_COLD_START_BINS, colon-separated)")
    parser.add_argument("--base-bin", metavar="PATH",
                        help="a second binary (e.g. main's build) to run every benchmark on too, just before "
                             "--bin, so the two are compared under the same load (also env AITOEARN_RPC_BASE_BIN)")
    parser.add_argument("--runs", type=int, default=20, help="cold-start runs (default 20)")
    parser.add_argument("--requests", type=int, default=100_000, help="requests per throughput run")
    parser.add_argument("--rounds", type=int, default=3, help="fresh runs of http-1000 and huge-image (default 3)")
    parser.add_argument("--only", help="comma-separated benchmark names (same as NAME...)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    opts = parser.parse_args(argv)
    names = [*opts.names, *(opts.only.split(",") if opts.only else [])]
    bin_path = opts.bin
    # Compatibility: `bench.py PATH` named the binary before benchmarks could be named.
    if bin_path is None and len(names) == 1 and names[0] not in BENCHMARKS and os.path.isfile(names[0]):
        bin_path, names = names[0], []
    bin_path = bin_path or os.environ.get("AITOEARN_RPC_BIN") or str(DEFAULT_BIN)
    if not os.path.exists(bin_path):
        print(f"binary not found: {bin_path} (run `swift build -c release` or pass --bin)", file=sys.stderr)
        return 2
    names = names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; have {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    extra = [*opts.cold_start_bin, *[b for b in os.environ.get("AITOEARN_RPC_COLD_START_BINS", "").split(":") if b]]
    missing = [b for b in extra if not os.path.exists(b)]
    if missing:
        print(f"cold-start binary not found: {missing}", file=sys.stderr)
        return 2
    base_bin = opts.base_bin or os.environ.get("AITOEARN_RPC_BASE_BIN")
    if base_bin and not os.path.exists(base_bin):
        print(f"base binary not found: {base_bin}", file=sys.stderr)
        return 2
    ctx = Context(bin=bin_path, runs=opts.runs, requests=opts.requests, rounds=opts.rounds, cold_start_bins=extra)
    print(f"binary: {bin_path} (Swift runtime {swift_runtime(bin_path)}), {os.cpu_count()} CPUs")
    # With a base binary, each benchmark runs on it and then on this one, back to back.
    pairs = [("base", base_bin), ("this", bin_path)] if base_bin else [("", bin_path)]
    if base_bin:
        print(f"base binary: {base_bin} (Swift runtime {swift_runtime(base_bin)}); [base] and [this] label the two")
    for name in names:
        for label, b in pairs:
            if name == "cold-start" and label == "base":
                continue  # cold-start times every binary in the same interleaved rounds
            ctx.bin, ctx.label = b, label
            ctx.cold_start_bins = [*extra, *([base_bin] if base_bin and name == "cold-start" else [])]
            print(f"# {name}{f' [{label}]' if label else ''} (CPU busy before it: {machine_busy()}; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
            if name == "cold-start":
                ctx.label = ""
            BENCHMARKS[name](ctx)
    print(f"# done (load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
    if opts.json:
        Path(opts.json).write_text(json.dumps({"bin": bin_path, "results": ctx.results,
                                               "problems": ctx.problems}, indent=2) + "\n")
    return 1 if ctx.problems else 0


if __name__ == "__main__":
    sys.exit(main())
