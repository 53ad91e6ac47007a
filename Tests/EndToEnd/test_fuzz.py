"""Deterministic fuzzing of the reader, framing and dispatcher (docs/protocol.md §1:
no input, however malformed, makes the adapter crash or stop reading).

Fixed seed (random.Random(1234)); ~10,000 generated and mutated inputs fed to a few
long-lived adapter processes. After every input a well-formed probe request with a unique
id is sent and its answer required. Every output frame is parsed strictly and checked to be
well-formed JSON-RPC by the client (rpc.Adapter). At the end the process must be alive and
exit 0 on end of input.

Resynchronisation:
- NDJSON: "\\n" after each input, then the probe line.
- LSP (run with --max-message-bytes 4096): after each input, filler spaces at least as long
  as the largest `content-length:\\s*(\\d+)` in the input (so any body the input left open is
  completed), "\\r\\n\\r\\n", the same again (in case the filler itself ended a header block
  whose body is still due), then the probe frame. Cases whose Content-Length values exceed
  64 KiB are regenerated, except the explicit cases whose values overflow 64-bit integers,
  which the adapter treats as a broken header.
"""

from __future__ import annotations

import os
import random
import re
import time

import pytest

from rpc import METHOD_NOT_FOUND, UNKNOWN_METHOD, dumps, frame, request_obj

SEED = 1234
CASES_PER_FRAMING = int(os.environ.get("AITOEARN_FUZZ_CASES", "10000"))
MAX_FILLER = 64 * 1024
MIN_FILLER = 256
SIM = ["--simulate", "--simulate-delay-ms", "1"]
CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)

# Methods the corpus may name. Never exit/shutdown (they end the session by design), and no
# processId/saveTo fields (they would tie the adapter to random pids or write files).
METHODS = [UNKNOWN_METHOD, "foo", "", "initialized", "$/cancelRequest", "$/progress", "image.generate",
           "task.status", "initialize", "rpc.discover", "image.generatе", "Image.Generate", "$/"]
KEYS = ["prompt", "model", "n", "size", "wait", "timeoutMs", "pollIntervalMs", "logId", "id", "x",
        "response_format", "quality", "style", "", "ü", "\u0000", "jsonrpc", "method", "params"]
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80",
                b"\xe2\x82", b"\xf4\x90\x80\x80", b"\xc3", b"\xef\xbf"]
TOKENS = [b"Content-Length:", b"content-length: ", b"CONTENT-LENGTH:", b"Content-Type: x", b"\r\n",
          b"\r\n\r\n", b"\n", b"\r", b"{", b"}", b"[", b"]", b'"', b"\\", b":", b",", b" ", b"\t",
          b"0", b"1", b"42", b"9999", b"-1", b"null", b"true", b'"jsonrpc":"2.0"', b'"id":', b'"method":',
          b"\x00", b"\xff", b"\xc3\xa9", b"\xf0\x9f\x98\x80"]


# ---------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------

def rand_number(rng: random.Random) -> str:
    return rng.choice([
        lambda: str(rng.randint(-10, 10)),
        lambda: str(rng.randint(-2**63, 2**63 - 1)),
        lambda: str(rng.randint(2**63, 2**70)),
        lambda: "-" + "9" * rng.randint(20, 400),
        lambda: "1" + "0" * rng.randint(0, 400),
        lambda: f"{rng.uniform(-1e6, 1e6)!r}",
        lambda: rng.choice(["0", "-0", "0.0", "-0.0", "1e999", "-1e999", "1e-999", "5e-324", "1.7976931348623157e308",
                            "1E+2", "1e-2", "123456789012", "9007199254740993", "0.1", "1.5"]),
    ])()


def rand_string(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 6)):
        parts.append(rng.choice([
            "abc", "ü€", "😀", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\u0000", "\\u00e9", "\\ud83d\\ude00",
            "\\ud800", "\\udfff", "\\uDBFF\\uDFFF", " ", "Content-Length: 12", "\u2028", "x" * rng.randint(0, 50),
        ]))
    return '"' + "".join(parts) + '"'


def rand_json(rng: random.Random, depth: int = 0) -> str:
    kinds = ["null", "true", "false", "num", "str"]
    if depth < 4:
        kinds += ["arr", "obj", "obj"]
    kind = rng.choice(kinds)
    if kind in ("null", "true", "false"):
        return kind
    if kind == "num":
        return rand_number(rng)
    if kind == "str":
        return rand_string(rng)
    if kind == "arr":
        return "[" + ",".join(rand_json(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"
    members = []
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(KEYS) if rng.random() < 0.8 else rand_string(rng)[1:-1]
        members.append('"' + key.replace("\\", "\\\\").replace('"', '\\"').replace("\u0000", "\\u0000") + '":'
                       + rand_json(rng, depth + 1))
    return "{" + ",".join(members) + "}"


def rand_id(rng: random.Random) -> str:
    return rng.choice([lambda: str(rng.randint(-5, 10**6)), lambda: rand_number(rng), lambda: rand_string(rng),
                       lambda: "null", lambda: rand_json(rng, 3)])()


def rand_message(rng: random.Random) -> str:
    """A JSON-RPC-ish message: mostly well-formed requests/notifications, sometimes not."""
    r = rng.random()
    method = rng.choice(METHODS)
    if method == "image.generate" and rng.random() < 0.3:
        params = '{"prompt":"fuzz","model":"sim-image","wait":' + rng.choice(["true", "false"]) + "}"
    elif method == "$/cancelRequest":
        params = '{"id":' + rand_id(rng) + "}"
    else:
        params = rand_json(rng, 1)
    if r < 0.45:
        return '{"jsonrpc":"2.0","id":' + rand_id(rng) + ',"method":"' + method + '","params":' + params + "}"
    if r < 0.65:
        return '{"jsonrpc":"2.0","method":"' + method + '","params":' + params + "}"
    if r < 0.8:
        return "[" + ",".join(rand_message(rng) for _ in range(rng.randint(0, 4))) + "]"
    return rand_json(rng)


def encode_body(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def lsp_frame(body: bytes, rng: random.Random | None = None) -> bytes:
    header = b"Content-Length: %d\r\n" % len(body)
    if rng is not None and rng.random() < 0.2:
        header += b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
        if rng.random() < 0.5:
            header = header.lower()
    return header + b"\r\n" + body


def mutate(rng: random.Random, data: bytes, framing: str, corpus: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(12)
        n = len(b)
        if op == 0 and n:  # flip bits
            for _ in range(rng.randint(1, 5)):
                i = rng.randrange(n)
                b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # random byte
            b[rng.randrange(n)] = rng.randrange(256)
        elif op == 2 and n:  # truncate
            del b[rng.randrange(n):]
        elif op == 3:  # insert garbage
            i = rng.randint(0, n)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 4 and n:  # delete a slice
            i = rng.randrange(n)
            del b[i:i + rng.randint(1, 32)]
        elif op == 5 and n:  # duplicate a slice
            i = rng.randrange(n)
            j = min(n, i + rng.randint(1, 64))
            b[j:j] = b[i:j]
        elif op == 6:  # splice with another corpus entry
            other = rng.choice(corpus)
            i, j = rng.randint(0, n), rng.randint(0, len(other))
            b = b[:i] + other[j:]
        elif op == 7:  # invalid UTF-8
            i = rng.randint(0, n)
            b[i:i] = rng.choice(INVALID_UTF8)
        elif op == 8:  # tokens that matter to the framers
            i = rng.randint(0, n)
            b[i:i] = rng.choice(TOKENS)
        elif op == 9 and framing == "lsp":  # rewrite the Content-Length value
            m = CONTENT_LENGTH.search(b)
            if m:
                value = int(m.group(1))
                new = rng.choice([0, 1, max(0, value - rng.randint(1, 10)), value + rng.randint(1, 10),
                                  rng.randint(0, 5000), rng.randint(0, MAX_FILLER)])
                b[m.start(1):m.end(1)] = str(new).encode()
        elif op == 10 and framing == "lsp":  # header-block damage
            choice = rng.randrange(4)
            if choice == 0:
                b = b.replace(b"\r\n\r\n", b"\n\n", 1)
            elif choice == 1:
                b = b.replace(b"\r\n", b"\r\nX-Junk: " + bytes([rng.randrange(32, 127)]) * 5 + b"\r\n", 1)
            elif choice == 2:
                b = b.replace(b"Content-Length", rng.choice([b"CONTENT-LENGTH", b"Content_Length", b"Content-Lenght",
                                                             b"content-length", b" Content-Length"]), 1)
            else:
                b = b.replace(b": ", rng.choice([b":", b" : ", b":\t", b"::"]), 1)
        elif op == 11 and framing == "ndjson":
            i = rng.randint(0, n)
            b[i:i] = rng.choice([b"\n", b"\r\n", b"\r", b"\n\n"])
    return bytes(b)


def garbage(rng: random.Random) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 512)))
    if kind == 1:
        return bytes(rng.randrange(32, 127) for _ in range(rng.randint(0, 512)))
    return b"".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 60)))


def filler_size(data: bytes) -> int | None:
    """Spaces needed to complete any body `data` may leave open; None if too large."""
    values = [int(v) for v in CONTENT_LENGTH.findall(data)]
    if any(v > MAX_FILLER for v in values):
        return None
    return max([MIN_FILLER, *values])


def generate_cases(rng: random.Random, framing: str, count: int) -> list[tuple[str, bytes]]:
    """(kind, bytes) pairs; for LSP every case has Content-Length values <= 64 KiB."""
    corpus = []
    for _ in range(200):
        body = encode_body(rand_message(rng)).replace(b"\n", b" ")
        corpus.append(lsp_frame(body, rng) if framing == "lsp" else body + b"\n")
    cases = []
    while len(cases) < count:
        r = rng.random()
        if r < 0.15:
            kind, data = "valid", rng.choice(corpus)
        elif r < 0.25:
            kind = "generated"
            body = encode_body(rand_message(rng))
            data = lsp_frame(body, rng) if framing == "lsp" else body.replace(b"\n", b" ")
        elif r < 0.35:
            kind, data = "garbage", garbage(rng)
        elif r < 0.45:
            kind = "truncated"
            base = rng.choice(corpus)
            data = base[: rng.randrange(len(base))]
        elif r < 0.55:
            kind = "several"
            data = b"".join(rng.choice(corpus) for _ in range(rng.randint(2, 6)))
            if rng.random() < 0.5:
                data = mutate(rng, data, framing, corpus)
        else:
            kind, data = "mutated", mutate(rng, rng.choice(corpus), framing, corpus)
        if framing == "lsp" and filler_size(data) is None:
            continue  # Content-Length too large for the filler trick: regenerate
        cases.append((kind, data))
    return cases


def explicit_cases(framing: str) -> list[tuple[str, bytes, bool]]:
    """(name, bytes, complete) triples: hostile inputs named in the brief. `complete` marks LSP
    cases that leave no body open: whole frames (whatever their size), and Content-Length
    values that overflow 64 bits (a broken header). They get the minimum filler."""
    deep = 100_000
    digits = "7" * 10_000
    bodies = {
        "deep-arrays": "[" * deep + "]" * deep,
        "deep-arrays-unclosed": "[" * deep,
        "deep-objects": '{"a":' * deep + "1" + "}" * deep,
        "deep-params": '{"jsonrpc":"2.0","id":"deep","method":"' + UNKNOWN_METHOD + '","params":'
                       + "[" * deep + "]" * deep + "}",
        "deep-mixed-unclosed": '{"a":[' * (deep // 2),
        "digits-id": '{"jsonrpc":"2.0","id":' + digits + ',"method":"' + UNKNOWN_METHOD + '"}',
        "digits-negative-id": '{"jsonrpc":"2.0","id":-' + digits + ',"method":"' + UNKNOWN_METHOD + '"}',
        "digits-fraction-id": '{"jsonrpc":"2.0","id":1.' + digits + ',"method":"' + UNKNOWN_METHOD + '"}',
        "digits-exponent-id": '{"jsonrpc":"2.0","id":1e' + digits + ',"method":"' + UNKNOWN_METHOD + '"}',
        "digits-params": '{"jsonrpc":"2.0","id":"num","method":"' + UNKNOWN_METHOD + '","params":[' + digits + "]}",
        "digits-bare": digits,
        "digits-cancel": '{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":' + digits + "}}",
        "long-string": '{"jsonrpc":"2.0","id":"s","method":"' + UNKNOWN_METHOD + '","params":["' + "\\u00e9" * 50_000 + '"]}',
        "many-keys": "{" + ",".join(f'"k{i}":{i}' for i in range(50_000)) + "}",
        "duplicate-keys": '{"jsonrpc":"2.0","id":1,"id":2,"method":"' + UNKNOWN_METHOD + '","method":"x"}',
        "lone-surrogates": '{"jsonrpc":"2.0","id":"\\ud800","method":"\\udfff"}',
        "nul-in-method": '{"jsonrpc":"2.0","id":"nul","method":"a\\u0000b"}',
        "big-batch": "[" + ",".join('{"jsonrpc":"2.0","id":%d,"method":"%s"}' % (i, UNKNOWN_METHOD) for i in range(3000)) + "]",
    }
    cases = []
    for name, text in bodies.items():
        body = text.encode()
        cases.append((name, lsp_frame(body) if framing == "lsp" else body, True))
    raw = {
        "only-whitespace": b" \t \r\n \r\n",
        "nul-bytes": b"\x00" * 1000,
        "invalid-utf8-run": b"".join(INVALID_UTF8) * 50,
        "long-garbage-no-newline": b"x" * 200_000,
        "long-garbage-with-colons": b"abc: def " * 20_000,
    }
    for name, data in raw.items():
        cases.append((name, data, False))
    if framing == "lsp":
        body = dumps(request_obj(UNKNOWN_METHOD, None, "after-overflow"))
        for name, value in [
            ("length-2^64", str(2**64).encode()),
            ("length-2^64+1", str(2**64 + 1).encode()),
            ("length-30-digits", b"9" * 30),
            ("length-10000-digits", b"9" * 10_000),
            ("length-overflow-lowercase", b"184467440737095516160"),
        ]:
            cases.append((name, b"Content-Length: " + value + b"\r\n\r\n" + body, True))
            cases.append((name + "-then-type", b"content-length: " + value + b"\r\nContent-Type: a\r\n\r\n" + body, True))
        cases += [
            ("long-header-line", b"Content-Type: " + b"a" * 100_000 + b"\r\n" + lsp_frame(b"{}"), True),
            ("many-header-lines", b"Content-Type: a\r\n" * 10_000 + b"\r\n", False),
            ("length-zero", b"Content-Length: 0\r\n\r\n", False),
            ("length-max-filler", b"Content-Length: %d\r\n\r\n{" % MAX_FILLER, False),
            ("length-leading-zeros", b"Content-Length: 0000000000000000000000002\r\n\r\n{}", False),
            ("blank-lines-only", b"\r\n" * 1000, False),
        ]
    else:
        cases += [
            ("many-empty-lines", b"\n" * 10_000, False),
            ("crlf-lines", b"\r\n" * 1000, False),
            ("long-line", b"[" + b"1," * 100_000 + b"1]", False),
        ]
    return cases


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------

class Prober:
    """Feeds inputs to one adapter, each followed by resync filler and a probe."""

    def __init__(self, adapter, framing: str, label: str):
        self.a = adapter
        self.framing = framing
        self.label = label
        self.n = 0

    def probe(self, what: str, data: bytes, timeout: float = 10) -> None:
        self.n += 1
        pid = f"{self.label}-probe-{self.n}"
        self.a.send_raw(frame(dumps(request_obj(UNKNOWN_METHOD, None, pid)), self.framing))
        try:
            resp, _ = self.a.wait_response(pid, timeout=timeout)
        except AssertionError as e:
            raise AssertionError(
                f"no answer to the probe after {what}: {data[:300]!r}... ({len(data)} bytes)\n{e}"
            ) from None
        assert resp.get("error", {}).get("code") == METHOD_NOT_FOUND, (what, data[:300], resp)

    def feed(self, what: str, data: bytes, complete: bool = False) -> None:
        if self.framing == "ndjson":
            self.a.send_raw(data + b"\n")
        else:
            size = MIN_FILLER if complete else filler_size(data)
            assert size is not None, what
            filler = b" " * size + b"\r\n\r\n"
            self.a.send_raw(data + filler + filler)
        assert self.a.alive(), f"the adapter died after {what}: {data[:300]!r}\n{self.a.stderr_text()[-2000:]}"
        self.probe(what, data)


def start(adapter_factory, framing: str, limit: int | None):
    args = [*SIM, "--framing", framing]
    if limit is not None:
        args += ["--max-message-bytes", str(limit)]
    a = adapter_factory(args, framing=framing)
    return a


def finish(a) -> None:
    assert a.alive(), a.stderr_text()[-2000:]
    a.assert_clean()
    assert a.finish(timeout=5) == 0, a.stderr_text()[-2000:]


@pytest.mark.parametrize("framing", ["ndjson", "lsp"])
def test_fuzz(adapter_factory, framing):
    rng = random.Random(SEED)
    t0 = time.monotonic()
    cases = generate_cases(rng, framing, CASES_PER_FRAMING)
    a = start(adapter_factory, framing, 4096)
    p = Prober(a, framing, f"fuzz-{framing}")
    p.probe("start", b"")  # fixes auto-detection even if --framing were ignored
    for i, (kind, data) in enumerate(cases):
        p.feed(f"case {i} ({kind})", data)
    for name, data, complete in explicit_cases(framing):
        p.feed(f"explicit case {name} (limit 4096)", data, complete)
    finish(a)
    assert p.n >= CASES_PER_FRAMING
    elapsed = time.monotonic() - t0
    print(f"{framing}: {p.n} inputs in {elapsed:.1f}s, {len(a.messages)} messages out")


@pytest.mark.parametrize("framing", ["ndjson", "lsp"])
def test_fuzz_big_inputs_parsed(adapter_factory, framing):
    """The hostile inputs again with a limit large enough that they reach the JSON parser:
    100,000-deep nesting and 10,000-digit numbers must not crash it."""
    a = start(adapter_factory, framing, 8 * 1024 * 1024)
    p = Prober(a, framing, f"big-{framing}")
    p.probe("start", b"")
    for name, data, complete in explicit_cases(framing):
        p.feed(f"explicit case {name}", data, complete)
    finish(a)
