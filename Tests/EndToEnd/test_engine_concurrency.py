"""Concurrency: requests run concurrently, responses in completion order, messages never
interleave on stdout (docs/protocol.md §1 and §2)."""

from __future__ import annotations

from collections import Counter

from rpc import METHOD_NOT_FOUND, UNKNOWN_METHOD, dumps, error_code, frame, is_notification, is_response, request_obj

SIM_SLOW = ["--simulate", "--simulate-delay-ms", "60000"]


def test_requests_run_concurrently(adapter_factory, framing):
    a = adapter_factory(SIM_SLOW, framing=framing)
    slow = a.request("image.generate", {"prompt": "x", "model": "sim-image"}, id="slow")
    fast = a.call(UNKNOWN_METHOD)
    assert error_code(fast) == METHOD_NOT_FOUND
    assert not [m for m in a.messages if is_response(m) and m["id"] == slow], "the slow request blocked the reader"


def test_200_concurrent_requests_never_interleave(adapter_factory, framing):
    """100 simulated generations and 100 unknown-method requests, written at once.
    Every byte of stdout is parsed strictly by the client (a torn or interleaved frame
    fails the test); every id is answered exactly once; progress precedes its response."""
    a = adapter_factory(["--simulate", "--simulate-delay-ms", "50"], framing=framing)
    gen_ids = [f"gen-{i}" for i in range(100)]
    unk_ids = list(range(1000, 1100))
    msgs = []
    for g, u in zip(gen_ids, unk_ids):
        msgs.append(request_obj("image.generate", {"prompt": f"p {g}", "model": "sim-image", "wait": True}, g))
        msgs.append(request_obj(UNKNOWN_METHOD, {"n": u}, u))
    a.send_raw(b"".join(frame(dumps(m), framing) for m in msgs))

    want = set(gen_ids) | set(unk_ids)
    a.wait_until(lambda: want <= {m.get("id") for m in a.messages if is_response(m)},
                 timeout=20, what="200 responses")
    assert a.finish() == 0
    a.assert_clean()
    assert sum(len(f) for f in a.frames) == a.stdout_bytes

    responses = [m for m in a.messages if is_response(m)]
    counts = Counter(repr(m["id"]) for m in responses)
    dupes = {k: v for k, v in counts.items() if v > 1}
    assert not dupes, f"answered more than once: {dupes}"
    assert len(responses) == 200, f"{len(responses)} responses, unexpected: {set(counts) - {repr(i) for i in want}}"

    index = {}
    for i, m in enumerate(a.messages):
        if is_response(m):
            index[m["id"]] = i
    for u in unk_ids:
        assert error_code(a.messages[index[u]]) == METHOD_NOT_FOUND
    for g in gen_ids:
        resp = a.messages[index[g]]
        assert "result" in resp and resp["result"].get("status") == "success", resp
    # Completion order: the unknown-method answers cannot wait for a 50 ms job plus a poll.
    assert max(index[u] for u in unk_ids) < min(index[g] for g in gen_ids)
    # Every task.progress of a request is written before that request's response.
    for i, m in enumerate(a.messages):
        if is_notification(m) and m["method"] == "task.progress":
            rid = m["params"]["requestId"]
            assert rid in index and i < index[rid], f"task.progress for {rid!r} after its response"


def test_burst_of_unknown_requests_in_one_write(adapter_factory, framing):
    a = adapter_factory(framing=framing)
    n = 2000
    a.send_raw(b"".join(frame(dumps(request_obj(UNKNOWN_METHOD, None, i)), framing) for i in range(n)))
    a.wait_until(lambda: sum(1 for m in a.messages if is_response(m)) >= n, timeout=20, what=f"{n} responses")
    assert a.finish() == 0
    ids = sorted(m["id"] for m in a.messages if is_response(m))
    assert ids == list(range(n))
