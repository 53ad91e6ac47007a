#!/usr/bin/env python3
"""Benchmarks for the aitoearn-rpc binary (a script, not a test: it prints numbers).

    swift build -c release
    python3 bench/bench.py [--bin PATH] [--runs 20] [--requests 100000] [--only NAME,...]

The binary is --bin, else env AITOEARN_RPC_BIN, else <repo>/.build/release/aitoearn-rpc.

Adding a benchmark: write `def bench_something(ctx: Context) -> None` that measures and calls
`ctx.report(name, value, unit, **details)`, and decorate it with `@benchmark("something")`.
Helpers: `ctx.spawn(args)`, `encode(obj, framing)`, `FrameReader` (counts or parses frames
from a pipe), `peak_rss_kib(pid)`. Python 3.11 standard library only.
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

    def spawn(self, args=(), env=None) -> subprocess.Popen:
        env = dict(os.environ if env is None else env)
        for k in list(env):
            if k.startswith("AITOEARN_") or k.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
                del env[k]
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
