"""The stand-in (Tests/EndToEnd/standin.py) in a process of its own, for bench/bench.py.

    python3 bench/standin_child.py E2E_DIR API_KEY CONFIG_JSON

CONFIG_JSON: {"backlog": N, "huge_image_bytes": N, "pending_polls": N, "log_limit": N,
"nodelay": true}
(all optional). The listen backlog and the huge image's size are set here, on the class and the
module, without editing standin.py.

Prints one JSON line {base_url, host, port, log_id (a finished job)}, then answers JSON-line
commands on stdin, one JSON line each on stdout:
    {"op": "stats"}                 requests received and answers sent, by method/endpoint/status;
                                    connections accepted; most connections open at once
    {"op": "reset"}                 zero those counters
    {"op": "plan_job", "plan": {}}  Standin.plan_job(**plan) for the next submission
    {"op": "image_url", "name": s}  the URL of /images/<s>
End of stdin stops the server.

bench/soak.py's stand-in child uses `instrument` too.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Counters:
    """What the instrumented stand-in counts (the stand-in's own request log is trimmed)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: Counter = field(default_factory=Counter)   # "POST submit" -> n
    answered: Counter = field(default_factory=Counter)   # "POST submit 200" -> n
    conns: dict = field(default_factory=lambda: {"accepted": 0, "open": 0, "max_open": 0})


def instrument(standin, config: dict) -> Counters:
    """Sets the stand-in module up for many clients at once and counts its traffic."""
    # A deep listen backlog (the kernel caps it at net.core.somaxconn) and enough file
    # descriptors for one socket per connection.
    standin._HTTPServer.request_queue_size = int(config.get("backlog", 4096))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 16384 if hard == resource.RLIM_INFINITY else min(16384, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    # TCP_NODELAY on every accepted socket (socketserver's own switch): the handler writes the
    # headers and the body in separate sends, and on a kept-alive connection Nagle's algorithm
    # holds the body back until the client's delayed ACK (40 ms), which would cap any keep-alive
    # client at 25 round trips/s per connection and measure the stand-in instead of the client.
    standin.StandinHandler.disable_nagle_algorithm = bool(config.get("nodelay", True))

    c = Counters()
    handler = standin.StandinHandler
    _setup, _finish, _handle, _send_response = handler.setup, handler.finish, handler._handle, handler.send_response

    def endpoint(h) -> str:
        return standin.endpoint_of(h.command, h.path.split("?", 1)[0])

    def setup(self) -> None:
        with c.lock:
            c.conns["accepted"] += 1
            c.conns["open"] += 1
            c.conns["max_open"] = max(c.conns["max_open"], c.conns["open"])
        _setup(self)

    def finish(self) -> None:
        try:
            _finish(self)
        finally:
            with c.lock:
                c.conns["open"] -= 1

    def handle_one(self) -> None:
        with c.lock:
            c.received[f"{self.command} {endpoint(self)}"] += 1
        _handle(self)

    def send_response(self, code, message=None) -> None:
        with c.lock:
            c.answered[f"{self.command} {endpoint(self)} {code}"] += 1
        _send_response(self, code, message)

    handler.setup, handler.finish, handler._handle, handler.send_response = setup, finish, handle_one, send_response
    return c


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    import standin  # noqa: PLC0415

    api_key = sys.argv[2]
    config = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    if "huge_image_bytes" in config:
        standin.HUGE_IMAGE_BYTES = int(config["huge_image_bytes"])  # read by the /images/huge route
    c = instrument(standin, config)

    server = standin.Standin(api_key=api_key)
    server.log_limit = int(config.get("log_limit", 100))  # the log stays small over many requests
    if "pending_polls" in config:
        server.pending_polls = config["pending_polls"]
    server.start()
    log_id = server.add_job()  # already terminal: status `success`
    print(json.dumps({"base_url": server.base_url, "host": server.host, "port": server.port,
                      "log_id": log_id}), flush=True)

    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd.get("op")
        if op == "stats":
            with c.lock:
                out = {"received": dict(c.received), "answered": dict(c.answered), **c.conns,
                       "backlog": standin._HTTPServer.request_queue_size,
                       "threads": threading.active_count()}
        elif op == "reset":
            with c.lock:
                c.received.clear()
                c.answered.clear()
                c.conns["accepted"] = 0
                c.conns["max_open"] = c.conns["open"]
            out = {"ok": True}
        elif op == "plan_job":
            server.plan_job(**cmd.get("plan", {}))
            out = {"ok": True}
        elif op == "image_url":
            out = {"url": f"{server.base_url}{standin.IMAGE_PREFIX}{cmd['name']}"}
        else:
            out = {"error": f"unknown op {op!r}"}
        print(json.dumps(out), flush=True)
    server.stop()


if __name__ == "__main__":
    main()
