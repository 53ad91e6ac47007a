"""docs/protocol.md §2 (JSON-RPC 2.0) end to end, in both framings."""

from __future__ import annotations

import pytest

from rpc import (INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, UNKNOWN_METHOD, assert_null_error,
                 dumps, error_code, is_notification, is_response, replies, same_id)


def finish_and_replies(a) -> list:
    """End the session (end of stdin) and return every reply it produced."""
    assert a.finish() == 0, a.stderr_text()
    return replies(a.messages)


def force(framing: str) -> list[str]:
    """Fix the framing: needed when the first thing sent does not start with { or [."""
    return ["--framing", framing]


def assert_rejected_then_session_goes_on(a, body: bytes, code: int) -> None:
    """`body` is answered with error `code` and id null, and the next request is still answered."""
    a.send_body(body)
    assert_null_error(a.next_reply(), code)
    assert error_code(a.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


# ---------------------------------------------------------------------------
# ids
# ---------------------------------------------------------------------------

IDS = [
    7,
    "7",
    0,
    -1,
    -42,
    123456789012,
    9007199254740993,           # 2**53 + 1: not representable as a double
    9223372036854775807,        # Int64.max
    -9223372036854775808,       # Int64.min
    "",
    "ünïcødé ✓ \"quoted\" \\ /",
    "123456789012345678901234567890",
    1.5,
]


@pytest.mark.parametrize("rid", IDS, ids=lambda v: f"{type(v).__name__}:{v!r}"[:40])
def test_id_echoed_exactly(adapter, rid):
    adapter.request(UNKNOWN_METHOD, id=rid)
    resp, _ = adapter.wait_response(rid)
    assert same_id(resp["id"], rid), resp
    assert error_code(resp) == METHOD_NOT_FOUND, resp


def test_id_7_and_string_7_are_distinct(adapter):
    adapter.request(UNKNOWN_METHOD, id=7)
    adapter.request(UNKNOWN_METHOD, id="7")
    got = finish_and_replies(adapter)
    ids = sorted((type(m["id"]).__name__, m["id"]) for m in got)
    assert ids == [("int", 7), ("str", "7")], got


def test_null_id_is_a_request_and_echoed(adapter):
    adapter.request(UNKNOWN_METHOD, id=None)
    resp, _ = adapter.wait_response(None)
    assert resp["id"] is None
    assert error_code(resp) == METHOD_NOT_FOUND, resp


def test_id_beyond_int64_echoed_exactly(adapter):
    big = 123456789012345678901234567890
    adapter.request(UNKNOWN_METHOD, id=big)
    resp, _ = adapter.wait_response(big)
    assert same_id(resp["id"], big), resp


@pytest.mark.parametrize("bad_id", [{"a": 1}, [1], True, False], ids=repr)
def test_bad_id_type_is_invalid_request_with_null_id(adapter, bad_id):
    adapter.send({"jsonrpc": "2.0", "id": bad_id, "method": UNKNOWN_METHOD})
    resp = adapter.next_reply()
    assert is_response(resp), resp
    assert resp["id"] is None, resp
    assert error_code(resp) == INVALID_REQUEST, resp
    # The session goes on.
    assert error_code(adapter.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


# ---------------------------------------------------------------------------
# standard errors
# ---------------------------------------------------------------------------

def test_unknown_method_is_32601(adapter):
    resp = adapter.call("no/such/method", {"a": 1})
    assert error_code(resp) == METHOD_NOT_FOUND
    assert isinstance(resp["error"]["message"], str) and resp["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [b'{"jsonrpc":"2.0","id":1,', b"{not json}", b'{"jsonrpc":"2.0","id":1,"method":"x"}}',
     b'{"a":1 "b":2}', b"[1,2", b'{"jsonrpc":"2.0","method":"x","params":{"s":"\\ud800}}'],
    ids=["truncated", "bare-words", "trailing-brace", "missing-comma", "open-array", "unterminated-string"],
)
def test_parse_error_then_session_goes_on(adapter_factory, framing, body):
    a = adapter_factory(framing=framing)
    assert_rejected_then_session_goes_on(a, body, PARSE_ERROR)


def test_invalid_utf8_is_parse_error(adapter_factory, framing):
    a = adapter_factory(force(framing), framing=framing)
    assert_rejected_then_session_goes_on(a, b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}', PARSE_ERROR)


@pytest.mark.parametrize("body", [b"1", b'"str"', b"null", b"true", b"3.5"], ids=lambda b: b.decode())
def test_not_an_object_is_invalid_request(adapter_factory, framing, body):
    a = adapter_factory(force(framing), framing=framing)
    assert_rejected_then_session_goes_on(a, body, INVALID_REQUEST)


@pytest.mark.parametrize(
    "msg",
    [
        {"jsonrpc": "1.0", "id": 3, "method": UNKNOWN_METHOD},
        {"jsonrpc": 2.0, "id": 3, "method": UNKNOWN_METHOD},
        {"id": 3, "method": UNKNOWN_METHOD},
        {"jsonrpc": "2.0", "id": 3, "method": 5},
        {"jsonrpc": "2.0", "id": 3},
        {"jsonrpc": "2.0", "id": 3, "method": None},
    ],
    ids=["jsonrpc-1.0", "jsonrpc-number", "jsonrpc-missing", "method-number", "method-missing", "method-null"],
)
def test_malformed_request_is_invalid_request(adapter, msg):
    adapter.send(msg)
    resp = adapter.next_reply()
    assert is_response(resp), resp
    # The id could be read, so echoing it is right; null is tolerated (JSON-RPC 2.0 allows
    # null when the id could not be detected). Never any other value.
    assert resp["id"] is None or same_id(resp["id"], 3), resp
    assert error_code(resp) == INVALID_REQUEST, resp
    assert error_code(adapter.call(UNKNOWN_METHOD)) == METHOD_NOT_FOUND


@pytest.mark.parametrize("params", ["s", 5, True], ids=repr)
def test_params_not_structured_is_rejected(adapter, params):
    adapter.send({"jsonrpc": "2.0", "id": 4, "method": UNKNOWN_METHOD, "params": params})
    resp, _ = adapter.wait_response(4)
    assert error_code(resp) in (INVALID_REQUEST, INVALID_PARAMS), resp


# ---------------------------------------------------------------------------
# notifications
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["foo/bar", "$/unknownThing", "image.nothing", UNKNOWN_METHOD])
def test_unknown_notification_is_ignored(adapter, method):
    adapter.notify(method, {"x": 1})
    adapter.notify(method)
    rid = adapter.request(UNKNOWN_METHOD, id="probe")
    resp, _ = adapter.wait_response(rid)
    assert error_code(resp) == METHOD_NOT_FOUND
    got = finish_and_replies(adapter)
    assert got == [resp], got


def test_notification_with_bad_params_gets_no_reply(adapter):
    adapter.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"nope": True}})
    adapter.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": [1, 2]})
    adapter.send({"jsonrpc": "2.0", "method": "initialized", "params": {"anything": [1]}})
    rid = adapter.request(UNKNOWN_METHOD)
    resp, _ = adapter.wait_response(rid)
    assert finish_and_replies(adapter) == [resp]


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------

def test_batch_mixed_requests_and_notifications(adapter):
    adapter.send([
        {"jsonrpc": "2.0", "id": 1, "method": UNKNOWN_METHOD},
        {"jsonrpc": "2.0", "method": "some/notification"},
        {"jsonrpc": "2.0", "id": "b", "method": "another/unknown", "params": {"a": 1}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    ])
    got = finish_and_replies(adapter)
    assert len(got) == 1 and isinstance(got[0], list), got
    batch = got[0]
    assert sorted(repr(r["id"]) for r in batch) == sorted(["1", "'b'"]), batch
    assert all(error_code(r) == METHOD_NOT_FOUND for r in batch), batch


def test_batch_reply_preserves_each_id(adapter):
    ids = [1, "1", None, 123456789012, "x"]
    adapter.send([{"jsonrpc": "2.0", "id": i, "method": UNKNOWN_METHOD} for i in ids])
    reply = adapter.next_message()
    while is_notification(reply):
        reply = adapter.next_message()
    assert isinstance(reply, list) and len(reply) == len(ids), reply
    remaining = list(ids)
    for r in reply:
        match = [i for i in remaining if same_id(i, r["id"])]
        assert match, (r, remaining)
        remaining.remove(match[0])
    assert remaining == []


def test_empty_batch_is_one_invalid_request(adapter):
    adapter.send([])
    got = finish_and_replies(adapter)
    assert len(got) == 1, got
    resp = got[0]
    assert isinstance(resp, dict), f"an empty batch must get a single error object, not {resp!r}"
    assert resp["id"] is None and error_code(resp) == INVALID_REQUEST, resp


def test_notification_only_batch_gets_no_reply(adapter):
    adapter.send([
        {"jsonrpc": "2.0", "method": "a/b"},
        {"jsonrpc": "2.0", "method": "c/d", "params": {"x": 1}},
    ])
    rid = adapter.request(UNKNOWN_METHOD)
    resp, _ = adapter.wait_response(rid)
    assert finish_and_replies(adapter) == [resp]


@pytest.mark.parametrize(
    "batch,expect",
    [
        ([1, 2, 3], [(None, INVALID_REQUEST)] * 3),
        ([1, {"jsonrpc": "2.0", "id": 5, "method": UNKNOWN_METHOD}], [(None, INVALID_REQUEST), (5, METHOD_NOT_FOUND)]),
        ([{"foo": "bar"}, {"jsonrpc": "2.0", "method": "note"}], [(None, INVALID_REQUEST)]),
        ([[]], [(None, INVALID_REQUEST)]),
        ([{"jsonrpc": "2.0", "id": {"x": 1}, "method": UNKNOWN_METHOD}, {"jsonrpc": "2.0", "id": 6, "method": UNKNOWN_METHOD}],
         [(None, INVALID_REQUEST), (6, METHOD_NOT_FOUND)]),
    ],
    ids=["all-numbers", "number-and-request", "junk-object-and-notification", "nested-empty-batch", "bad-id-and-request"],
)
def test_batch_with_invalid_elements(adapter, batch, expect):
    adapter.send(batch)
    got = finish_and_replies(adapter)
    assert len(got) == 1 and isinstance(got[0], list), got
    pairs = sorted(((r["id"] is None, repr(r["id"])), error_code(r)) for r in got[0])
    want = sorted(((i is None, repr(i)), c) for i, c in expect)
    assert pairs == want, got


def test_batch_invalid_json_is_single_parse_error(adapter):
    adapter.send_body(b'[{"jsonrpc":"2.0","id":1,"method":"x"},{"jsonrpc":"2.0","method"')
    got = finish_and_replies(adapter)
    assert len(got) == 1 and isinstance(got[0], dict), got
    assert got[0]["id"] is None and error_code(got[0]) == PARSE_ERROR


def test_batch_of_100(adapter):
    adapter.send([{"jsonrpc": "2.0", "id": i, "method": UNKNOWN_METHOD} for i in range(100)])
    got = finish_and_replies(adapter)
    assert len(got) == 1 and isinstance(got[0], list)
    assert sorted(r["id"] for r in got[0]) == list(range(100))


# ---------------------------------------------------------------------------
# misc
# ---------------------------------------------------------------------------

def test_request_with_extra_members_is_handled(adapter):
    # Unknown top-level members are harmless (LSP clients add some); it must not crash.
    adapter.send({"jsonrpc": "2.0", "id": 9, "method": UNKNOWN_METHOD, "extra": {"a": [1]}})
    resp, _ = adapter.wait_response(9)
    assert error_code(resp) in (METHOD_NOT_FOUND, INVALID_REQUEST)


def test_unicode_and_escapes_round_trip_in_ids(adapter):
    rid = "\u2028\u2029\U0001F600\t\n\"\\\u0000"
    adapter.request(UNKNOWN_METHOD, id=rid)
    resp, _ = adapter.wait_response(rid)
    assert resp["id"] == rid


def test_large_valid_message_within_default_limit(adapter):
    resp = adapter.call(UNKNOWN_METHOD, {"blob": "x" * 1_000_000}, timeout=10)
    assert error_code(resp) == METHOD_NOT_FOUND


def test_body_bytes_are_exact_json(adapter):
    """Sanity: the client encodes what we think it encodes (guards the other tests)."""
    assert dumps({"a": "é"}) == '{"a":"é"}'.encode()
