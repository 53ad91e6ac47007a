"""docs/protocol.md §1 (transport and framing) end to end."""

from __future__ import annotations

import json

import pytest

from rpc import (INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, UNKNOWN_METHOD, assert_null_error, dumps,
                 error_code, replies, request_obj)


def req_body(id, method=UNKNOWN_METHOD, params=None) -> bytes:
    return dumps(request_obj(method, params, id))


def lsp(body: bytes, *, name=b"Content-Length", extra=b"", sep=b": ") -> bytes:
    return name + sep + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body


def assert_method_not_found(a, *ids):
    """Each of these requests is answered -32601 (they name UNKNOWN_METHOD)."""
    for rid in ids:
        resp, _ = a.wait_response(rid)
        assert error_code(resp) == METHOD_NOT_FOUND, resp


def assert_next_reply_not_found(a, rid):
    """The next reply is the -32601 for request `rid` (it names UNKNOWN_METHOD)."""
    resp = a.next_reply()
    assert resp.get("id") == rid and error_code(resp) == METHOD_NOT_FOUND, resp


# ---------------------------------------------------------------------------
# framing detection
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("lead", [b"", b" ", b"\n\n", b"\r\n \t"], ids=repr)
def test_auto_detects_ndjson_after_whitespace(adapter_factory, lead):
    a = adapter_factory(framing="ndjson")
    a.send_raw(lead + req_body(1) + b"\n")
    assert_method_not_found(a, 1)


@pytest.mark.parametrize("lead", [b"", b" ", b"\r\n", b"\n\t "], ids=repr)
def test_auto_detects_lsp_after_whitespace(adapter_factory, lead):
    a = adapter_factory(framing="lsp")
    a.send_raw(lead + lsp(req_body(1)))
    assert_method_not_found(a, 1)


def test_auto_detects_ndjson_batch(adapter_factory):
    a = adapter_factory(framing="ndjson")
    a.send_raw(b"[" + req_body(1) + b"]\n")
    reply = a.next_reply()
    assert isinstance(reply, list) and reply[0]["id"] == 1


@pytest.mark.parametrize("framing_flag", ["lsp", "ndjson"])
def test_forced_framing(adapter_factory, framing_flag):
    a = adapter_factory(["--framing", framing_flag], framing=framing_flag)
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


@pytest.mark.parametrize(
    "between, end", [(b"\r\n", b"\r\n"), (b"\n\n   \n\t\n", b"\n")], ids=["crlf-line-endings", "blank-lines"]
)
def test_ndjson_line_endings_and_blank_lines(adapter_factory, between, end):
    """CRLF line endings are accepted; blank and whitespace-only lines are skipped."""
    a = adapter_factory(framing="ndjson")
    a.send_raw(req_body(1) + between + req_body(2) + end)
    assert_method_not_found(a, 1, 2)


def test_ndjson_many_lines_in_one_write_and_split_lines(adapter_factory):
    a = adapter_factory(framing="ndjson")
    data = b"".join(req_body(i) + b"\n" for i in range(1, 51))
    a.send_raw(data[:7])
    a.send_raw(data[7:1000])
    a.send_raw(data[1000:])
    assert_method_not_found(a, *range(1, 51))


def test_ndjson_output_is_one_message_per_line(adapter_factory):
    a = adapter_factory(framing="ndjson")
    a.send_raw(req_body(1, params={"text": "line1\nline2\r\n\u2028"}) + b"\n")
    a.wait_response(1)
    for raw in a.frames:
        assert raw.endswith(b"\n") and raw.count(b"\n") == 1, raw


# ---------------------------------------------------------------------------
# LSP headers
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [b"Content-Length", b"content-length", b"CONTENT-LENGTH", b"cOnTeNt-LeNgTh"])
def test_lsp_header_names_case_insensitive(adapter_factory, name):
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    a.send_raw(lsp(req_body(1), name=name))
    assert_method_not_found(a, 1)


@pytest.mark.parametrize(
    "variant",
    ["no-type", "type-after", "type-before", "type-lowercase", "type-vscode"],
)
def test_lsp_content_type_optional(adapter_factory, variant):
    body = req_body(1)
    n = str(len(body)).encode()
    data = {
        "no-type": b"Content-Length: " + n + b"\r\n\r\n",
        "type-after": b"Content-Length: " + n + b"\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        "type-before": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: " + n + b"\r\n\r\n",
        "type-lowercase": b"content-type: application/json\r\ncontent-length: " + n + b"\r\n\r\n",
        "type-vscode": b"Content-Length: " + n + b"\r\nContent-Type: application/vscode-jsonrpc; charset=utf8\r\n\r\n",
    }[variant] + body
    a = adapter_factory(framing="lsp")
    a.send_raw(data)
    assert_method_not_found(a, 1)


def test_lsp_frame_written_one_byte_at_a_time(adapter_factory):
    a = adapter_factory(framing="lsp")
    data = lsp(req_body(1)) + lsp(req_body(2))
    for i in range(len(data)):
        a.send_raw(data[i:i + 1])
    assert_method_not_found(a, 1, 2)


def test_lsp_many_frames_in_one_write(adapter_factory):
    a = adapter_factory(framing="lsp")
    a.send_raw(b"".join(lsp(req_body(i)) for i in range(1, 101)))
    assert_method_not_found(a, *range(1, 101))


def test_lsp_multibyte_body_length_in_bytes(adapter_factory):
    a = adapter_factory(framing="lsp")
    body = req_body("ü€😀", params={"s": "日本語テキスト" * 10})
    a.send_raw(lsp(body))
    assert_method_not_found(a, "ü€😀")


# ---------------------------------------------------------------------------
# broken LSP header blocks: -32700 (id null), then resync on the next Content-Length:
# ---------------------------------------------------------------------------

BROKEN_BLOCKS = {
    "length-not-a-number": b"Content-Length: abc\r\n\r\n",
    "length-negative": b"Content-Length: -5\r\n\r\n",
    "length-overflows-int64": b"Content-Length: 99999999999999999999999999\r\n\r\n",
    "length-empty": b"Content-Length: \r\n\r\n",
    "no-colon": b"Content-Length 12\r\n\r\n",
    "no-length-header": b"Content-Type: application/json\r\n\r\n",
    "garbage-line": b"this is not a header\r\n\r\n",
    "binary-garbage": b"\x00\xff\xfe\x80garbage\r\n\r\n",
}


def assert_resync_after(a, garbage: bytes, rid):
    """A session that answers, then `garbage` and a frame with request `rid` in one write: one
    -32700 (id null) for the garbage, then the request's -32601."""
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND
    a.send_raw(garbage + lsp(req_body(rid)))
    assert_null_error(a.next_reply(), PARSE_ERROR)
    assert_next_reply_not_found(a, rid)


@pytest.mark.parametrize("block", list(BROKEN_BLOCKS.values()), ids=list(BROKEN_BLOCKS))
def test_lsp_broken_header_block_then_resync(adapter_factory, block):
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    assert_resync_after(a, block, "after")
    assert replies(a.pending()) == []


@pytest.mark.parametrize(
    "garbage",
    [b"garbage", b"}}}}", b"xyz ", b"Content-Type: text/plain\r\nXContent-Lengthy", b"\x00\x01\x02"],
    ids=["word", "braces", "word-space", "after-a-header", "nul-bytes"],
)
def test_lsp_resync_on_content_length_mid_line(adapter_factory, garbage):
    """Garbage directly followed (same line) by a valid frame: -32700, then the frame."""
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    assert_resync_after(a, garbage, "mid")


def test_lsp_resync_is_case_insensitive(adapter_factory):
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    a.send_raw(b"junk junk " + lsp(req_body(1), name=b"CONTENT-length"))
    assert_null_error(a.next_reply(), PARSE_ERROR)
    assert_next_reply_not_found(a, 1)


def test_lsp_broken_first_block_still_detects_lsp(adapter_factory):
    """Without --framing: garbage first (not { or [) means LSP; then resync works."""
    a = adapter_factory(framing="lsp")
    a.send_raw(b"hello\r\n\r\n" + lsp(req_body(1)))
    assert_null_error(a.next_reply(), PARSE_ERROR)
    assert_method_not_found(a, 1)


def test_lsp_empty_body_is_parse_error(adapter_factory):
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    a.send_raw(b"Content-Length: 0\r\n\r\n" + lsp(req_body(2)))
    assert_null_error(a.next_reply(), PARSE_ERROR)
    assert_method_not_found(a, 2)


def test_lsp_bad_json_body_keeps_frame_boundaries(adapter_factory):
    a = adapter_factory(["--framing", "lsp"], framing="lsp")
    bad = b'{"jsonrpc":"2.0","id":1,"method":"Content-Length: 5"'  # a header name inside a bad body
    a.send_raw(lsp(bad) + lsp(req_body(3)))
    assert_null_error(a.next_reply(), PARSE_ERROR)
    assert_next_reply_not_found(a, 3)


# ---------------------------------------------------------------------------
# oversized messages: -32600 (id null), body discarded, session goes on
# ---------------------------------------------------------------------------

def padded_request(id, size: int) -> bytes:
    """A valid request body of exactly `size` bytes."""
    base = req_body(id, params={"pad": ""})
    pad = size - len(base)
    assert pad >= 0
    body = req_body(id, params={"pad": "x" * pad})
    assert len(body) == size
    return body


@pytest.mark.parametrize("size", [1025, 2000, 100_000, 3_000_000])
def test_oversized_message_rejected_and_session_goes_on(adapter_factory, framing, size):
    a = adapter_factory(["--max-message-bytes", "1024"], framing=framing)
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND
    a.send_body(padded_request("big", size))
    a.send_body(req_body("next"))
    assert_null_error(a.next_reply(timeout=10), INVALID_REQUEST)
    assert_next_reply_not_found(a, "next")
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


def test_oversized_batch_rejected(adapter_factory, framing):
    a = adapter_factory(["--max-message-bytes", "1024"], framing=framing)
    batch = dumps([request_obj(UNKNOWN_METHOD, None, i) for i in range(100)])
    assert len(batch) > 1024
    a.send_body(batch)
    assert_null_error(a.next_reply(), INVALID_REQUEST)
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


def test_lsp_message_at_the_limit_is_accepted(adapter_factory):
    a = adapter_factory(["--max-message-bytes", "1024"], framing="lsp")
    a.send_raw(lsp(padded_request("edge", 1024)))
    assert_next_reply_not_found(a, "edge")
    a.send_raw(lsp(padded_request("over", 1025)))
    assert_null_error(a.next_reply(), INVALID_REQUEST)


def test_lsp_oversized_body_arriving_slowly_is_discarded(adapter_factory):
    """The error may come as soon as the header is read; the body is skipped, not parsed."""
    a = adapter_factory(["--max-message-bytes", "1024"], framing="lsp")
    inner = lsp(req_body("smuggled"))  # a frame hidden inside the discarded body
    body = inner + b" " * (5000 - len(inner))
    a.send_raw(b"Content-Length: 5000\r\n\r\n")
    for i in range(0, len(body), 700):
        a.send_raw(body[i:i + 700])
    a.send_raw(lsp(req_body("real")))
    assert_null_error(a.next_reply(), INVALID_REQUEST)
    resp = a.next_reply()
    assert resp.get("id") == "real", f"the discarded body was parsed: {resp!r}"


# ---------------------------------------------------------------------------
# stdout carries protocol messages only
# ---------------------------------------------------------------------------

def test_stdout_only_frames_with_trace_logging(adapter_factory, framing, tmp_path):
    a = adapter_factory(["--log-level", "trace"], framing=framing)
    a.call("initialize", {"processId": None, "capabilities": {}})
    a.notify("initialized", {})
    for _ in range(5):
        a.call(UNKNOWN_METHOD, {"x": 1})
    a.send_body(b"{broken")
    a.call(UNKNOWN_METHOD)
    assert a.finish() == 0
    a.assert_clean()
    assert sum(len(f) for f in a.frames) == a.stdout_bytes


def test_log_file_receives_logs_not_stdout(adapter_factory, framing, tmp_path):
    log = tmp_path / "adapter.log"
    a = adapter_factory(["--log-level", "trace", "--log-file", str(log)], framing=framing)
    a.call("initialize", {"processId": None, "capabilities": {}})
    a.call(UNKNOWN_METHOD)
    assert a.finish() == 0
    assert sum(len(f) for f in a.frames) == a.stdout_bytes
    assert log.exists() and log.stat().st_size > 0, "trace-level logging wrote nothing to --log-file"


def test_trace_file_records_every_message(adapter_factory, framing, tmp_path):
    trace = tmp_path / "trace.ndjson"
    a = adapter_factory(["--trace-file", str(trace)], framing=framing)
    a.request(UNKNOWN_METHOD, {"k": "v"}, id="traced")
    resp, _ = a.wait_response("traced")
    assert a.finish() == 0
    lines = trace.read_bytes().splitlines()
    events = [json.loads(line) for line in lines]
    for e in events:
        assert isinstance(e.get("ts"), (int, float)) and e.get("dir") in ("recv", "send", "http"), e
    recv = [e for e in events if e["dir"] == "recv" and isinstance(e.get("message"), dict)]
    sent = [e for e in events if e["dir"] == "send"]
    assert any(e["message"].get("id") == "traced" and e["message"].get("params") == {"k": "v"} for e in recv), events
    assert any(e.get("message") == resp for e in sent), events
