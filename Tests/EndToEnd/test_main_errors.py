"""Errors (docs/protocol.md §6), retries and billing safety (§7), status.changed (§5)."""

from __future__ import annotations

import time

import pytest

from standin import MESSAGES
from main_support import *  # noqa: F401,F403

LOG_ID = "0123456789abcdef01234567"


def request_ids(server, endpoint):
    return [r.request_id for r in server.requests_for(endpoint)]


def error_while_polling(adapter_factory, standin, upstream_code, message, code):
    """image.generate whose first status poll (of a job still pending) gets the business answer
    `upstream_code`: the error the call ends with, which must be `code` and name
    `upstream_code`. HTTP 200 with an envelope is an answer, not a transport failure: the poll
    is not retried."""
    standin.pending_polls = 3
    standin.inject("status", "business", code=upstream_code, message=message)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), code)
    assert err["data"]["upstreamCode"] == upstream_code
    assert standin.count("status") == 1
    return err


# ---------------------------------------------------------------------------
# -32001: the API key
# ---------------------------------------------------------------------------


def test_no_key_is_32001_and_no_http(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    for method, params in (("image.generate", gen()), ("task.status", {"logId": LOG_ID})):
        err = expect_error(a.call(method, params), -32001)
        assert "upstreamCode" not in err["data"], err
        assert "upstreamRequestId" not in err["data"], "no HTTP exchange happened"
        assert_english(err)
    assert_no_http(standin)


def test_image_models_needs_no_key(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    result = expect_result(a.call("image.models"))
    assert result == standin.models
    assert "X-Api-Key" not in standin.requests_for("models")[0].headers
    validate_result("image.models", result)


def test_rejected_key_is_32001_with_upstream_code_401(adapter_factory, standin):
    standin.api_key = "sk-some-other-key"
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), -32001)
    assert err["data"]["upstreamCode"] == 401
    assert err["data"]["upstreamRequestId"] == standin.requests_for("submit")[-1].request_id
    assert_english(err)
    assert standin.count("submit") == 1
    err = expect_error(a.call("task.status", {"logId": LOG_ID}), -32001)
    assert err["data"]["upstreamCode"] == 401
    assert err["data"]["upstreamRequestId"] == standin.requests_for("status")[-1].request_id


def test_401_while_polling_is_32001(adapter_factory, standin):
    error_while_polling(adapter_factory, standin, 401, "Unauthorized", -32001)


# ---------------------------------------------------------------------------
# -32010: any other business code
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", [10002, 12001, 12300, 12301, 400, 500])
def test_business_error_on_submission_is_32010_and_not_resent(adapter_factory, standin, code):
    standin.inject("submit", "business", code=code, message=MESSAGES[code])
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), -32010)
    assert err["data"]["upstreamCode"] == code
    assert_english(err, MESSAGES[code])
    assert err["data"]["upstreamRequestId"] == standin.requests_for("submit")[0].request_id
    assert standin.count("submit") == 1, "a business answer is an answer: never resend a submission"


def test_a_schema_rejection_400_says_the_parameters_were_rejected(adapter_factory, standin):
    """UPSTREAM: a body that fails the service's schema is code 400 "Bad request" (not 10002):
    the message says the service rejected the parameters, like 10002, and where to check them."""
    standin.inject("submit", "business", code=400, message="Bad request")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), -32010)
    assert "rejected the request's parameters" in err["message"] and "image.models" in err["message"], err
    assert err["data"]["upstreamCode"] == 400 and standin.count("submit") == 1


def test_unknown_model_is_32010_with_12300(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(model="no-such-model")), -32010)
    assert err["data"]["upstreamCode"] == 12300
    assert_english(err, "无效的 AI 模型")
    assert err["data"]["upstreamRequestId"] == standin.requests_for("submit")[0].request_id


def test_insufficient_credits_is_32010_with_12001(adapter_factory, standin):
    standin.credits_insufficient = True
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), -32010)
    assert err["data"]["upstreamCode"] == 12001
    assert_english(err, "用户Credits不足")


def test_business_error_while_polling_is_32010_and_not_retried(adapter_factory, standin):
    err = error_while_polling(adapter_factory, standin, 500, "服务器内部错误", -32010)
    assert_english(err, "服务器内部错误")
    assert err["data"]["upstreamRequestId"] == standin.requests_for("status")[0].request_id


def test_business_error_on_models_is_32010(adapter_factory, standin):
    standin.inject("models", "business", code=12301, message="AI调用失败")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models"), -32010)
    assert err["data"]["upstreamCode"] == 12301
    assert_english(err, "AI调用失败")
    assert standin.count("models") == 1


# ---------------------------------------------------------------------------
# Retries of safe requests (status, models)
# ---------------------------------------------------------------------------

TRANSIENT = [
    ("http500_html", {}),
    ("http502_html", {}),
    ("http503_html", {}),
    ("http504_html", {}),
    ("non_json", {}),
    ("non_json", {"body": "", "content_type": "text/plain"}),
    ("not_envelope", {}),
    ("drop", {}),
    ("drop", {"rst": True}),
    ("http429", {"retry_after": "0"}),
    ("http429", {"retry_after": None}),
]
TRANSIENT_IDS = [f"{k}-{'-'.join(map(str, p.values())) or 'plain'}" for k, p in TRANSIENT]


@pytest.mark.parametrize("fault,params", TRANSIENT, ids=TRANSIENT_IDS)
def test_models_retried_until_success(adapter_factory, standin, fault, params):
    standin.inject("models", fault, times=3, **params)
    a = start_adapter(adapter_factory, standin, key=None)
    result = expect_result(a.call("image.models", timeout=10))
    assert result == standin.models
    assert standin.count("models") == 4
    ids = request_ids(standin, "models")
    assert len(set(ids)) == 4, f"each attempt needs a fresh X-Request-Id: {ids}"


@pytest.mark.parametrize("fault,params", TRANSIENT, ids=TRANSIENT_IDS)
def test_status_retried_until_success(adapter_factory, standin, fault, params):
    log_id = standin.add_job()
    standin.inject("status", fault, times=3, **params)
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("task.status", {"logId": log_id}, timeout=10))
    assert result == standin.last_served(log_id)
    assert standin.count("status") == 4


def test_polling_survives_transient_failures(adapter_factory, standin):
    standin.pending_polls = 2
    standin.inject("status", "http502_html", times=2)
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen()))
    assert result["status"] == "success"


@pytest.mark.parametrize("fault,status", [
    ("http500_html", 500), ("http502_html", 502), ("http503_html", 503), ("http504_html", 504),
])
def test_5xx_after_four_attempts_is_32013(adapter_factory, standin, fault, status):
    standin.inject("models", fault, times=10)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models", timeout=10), -32013)
    assert err["data"]["attempts"] == 4
    assert err["data"]["httpStatus"] == status
    assert standin.count("models") == 4, "at most 4 attempts in all"
    assert err["data"]["upstreamRequestId"] == standin.requests_for("models")[-1].request_id
    assert_english(err)


@pytest.mark.parametrize("fault", ["non_json", "not_envelope"])
def test_broken_bodies_after_four_attempts_are_32013(adapter_factory, standin, fault):
    log_id = standin.add_job()
    standin.inject("status", fault, times=10)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", {"logId": log_id}, timeout=10), -32013)
    assert err["data"]["attempts"] == 4
    assert standin.count("status") == 4
    assert err["data"]["upstreamRequestId"] == standin.requests_for("status")[-1].request_id


def test_dropped_connections_are_32013_and_request_id_is_the_last_answered(adapter_factory, standin):
    standin.inject("models", "http500_html")
    standin.inject("models", "drop", times=3)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models", timeout=10), -32013)
    assert err["data"]["attempts"] == 4
    reqs = standin.requests_for("models")
    assert len(reqs) == 4
    # Only the first attempt got an answer (the HTML 500).
    assert err["data"]["upstreamRequestId"] == reqs[0].request_id


def test_only_dropped_connections_carry_no_http_status(adapter_factory, standin):
    standin.inject("models", "drop", times=4)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models", timeout=10), -32013)
    assert err["data"]["attempts"] == 4
    assert "httpStatus" not in err["data"], "no HTTP status was ever received"
    rid = err["data"].get("upstreamRequestId")
    assert rid is None or rid in request_ids(standin, "models")


def test_unreachable_host_is_32013(adapter_factory):
    a = start_adapter(adapter_factory, None, base_url=f"http://127.0.0.1:{closed_port()}")
    err = expect_error(a.call("image.models", timeout=10), -32013)
    assert err["data"]["attempts"] == 4
    assert "httpStatus" not in err["data"]
    assert_english(err)


def test_unreachable_host_on_submission_is_32013(adapter_factory):
    # A connection that never opened may be retried: the server never saw the job.
    a = start_adapter(adapter_factory, None, base_url=f"http://127.0.0.1:{closed_port()}")
    err = expect_error(a.call("image.generate", gen(), timeout=10), -32013)
    assert 1 <= err["data"]["attempts"] <= 4


# ---------------------------------------------------------------------------
# -32014: rate limited
# ---------------------------------------------------------------------------


def test_still_rate_limited_after_four_attempts_is_32014(adapter_factory, standin):
    for ra in ("0", "0", "0", "2"):
        standin.inject("models", "http429", retry_after=ra)
    standin.inject("models", "http429", times=5, retry_after="0")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models", timeout=10), -32014)
    assert standin.count("models") == 4
    assert err["data"]["retryAfterMs"] == 2000, "the last Retry-After, in ms"
    assert err["data"]["upstreamRequestId"] == standin.requests_for("models")[-1].request_id
    assert_english(err)


def test_retry_after_is_honoured(adapter_factory, standin):
    standin.inject("models", "http429", retry_after="1")
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.models", timeout=10))
    first, second = standin.requests_for("models")
    gap = second.time - first.answered_time
    assert gap >= 0.95, f"retried {gap:.3f}s after `Retry-After: 1`"


def test_retry_after_as_an_http_date_is_honoured(adapter_factory, standin):
    import email.utils
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # 1-2 s ahead once truncated
    standin.inject("models", "http429", retry_after=when)
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.models", timeout=10))
    first, second = standin.requests_for("models")
    gap = second.time - first.answered_time
    assert gap >= 0.9, f"retried {gap:.3f}s after `Retry-After: {when}`"


# ---------------------------------------------------------------------------
# Billing safety: the submission
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fault,params,status", [
    ("http500_html", {}, 500),
    ("http502_html", {}, 502),
    ("http503_html", {}, 503),
    ("http504_html", {}, 504),
    ("non_json", {}, None),
    ("not_envelope", {}, None),
    ("drop", {}, None),
    ("drop", {"rst": True}, None),
], ids=["500", "502", "503", "504", "non-json", "not-envelope", "drop", "reset"])
def test_submission_is_sent_once_when_it_may_have_reached_the_server(adapter_factory, standin, fault, params, status):
    standin.inject("submit", fault, times=5, **params)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(), timeout=10), -32013)
    assert standin.count("submit") == 1, "a submission that may have been billed must not be resent"
    assert err["data"]["attempts"] == 1
    if status is not None:
        assert err["data"]["httpStatus"] == status
        assert err["data"]["upstreamRequestId"] == standin.requests_for("submit")[0].request_id
    assert standin.count("status") == 0
    assert_english(err)


@pytest.mark.parametrize("rst", [False, True], ids=["close", "reset"])
def test_submission_dropped_on_a_warm_connection_is_sent_once_and_reported_promptly(adapter_factory, standin, rst):
    # HTTP stacks (libcurl among them) silently resend a request whose reused keep-alive
    # connection "died": for the submission that would be a second billed job.
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.models"))  # warms up a connection, if the adapter keeps any
    standin.inject("submit", "drop", rst=rst)
    t0 = time.monotonic()
    err = expect_error(a.call("image.generate", gen(), timeout=8), -32013)
    assert time.monotonic() - t0 < 5, "a dropped connection must not wait for the request timeout"
    assert standin.count("submit") == 1, standin.requests
    assert err["data"]["attempts"] == 1


def test_submission_slower_than_the_request_timeout_is_not_resent(adapter_factory, standin):
    standin.inject("submit", "slow", delay_ms=3000)
    a = start_adapter(adapter_factory, standin, "--request-timeout-ms", "300")
    t0 = time.monotonic()
    err = expect_error(a.call("image.generate", gen(), timeout=10), -32013)
    assert time.monotonic() - t0 < 2.5, "the request timeout was not applied"
    assert standin.count("submit") == 1
    assert err["data"]["attempts"] == 1


def test_submission_is_resent_after_429(adapter_factory, standin):
    standin.inject("submit", "http429", retry_after="0")
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(wait=False), timeout=10))
    subs = standin.requests_for("submit")
    assert len(subs) == 2
    assert subs[0].json == subs[1].json
    assert subs[0].request_id != subs[1].request_id
    assert result == subs[1].response_json["data"]


def test_submission_rate_limited_four_times_is_32014(adapter_factory, standin):
    standin.inject("submit", "http429", times=10, retry_after="0")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(), timeout=10), -32014)
    assert standin.count("submit") == 4
    assert err["data"].get("retryAfterMs") in (None, 0)


def test_slow_status_is_timed_out_and_retried(adapter_factory, standin):
    log_id = standin.add_job()
    standin.inject("status", "slow", delay_ms=3000)
    a = start_adapter(adapter_factory, standin, "--request-timeout-ms", "300")
    t0 = time.monotonic()
    result = expect_result(a.call("task.status", {"logId": log_id}, timeout=10))
    assert time.monotonic() - t0 < 2.5
    assert result["status"] == "success"
    assert standin.count("status") == 2


# ---------------------------------------------------------------------------
# status.changed
# ---------------------------------------------------------------------------


def initialize(a, options=None):
    params = {"processId": None, "capabilities": {}}
    if options is not None:
        params["initializationOptions"] = options
    resp = a.call("initialize", params)
    return expect_result(resp)


def wait_status(a, kind, action=None, after=0):
    def pred(p):
        return p.get("kind") == kind and p.get("action") == action
    note = wait_note(a, "status.changed", pred, after=after)
    p = note["params"]
    assert isinstance(p.get("message"), str) and p["message"], p
    validate_notification(note)
    return p


def test_status_no_key_is_a_warning_sent_after_the_initialize_reply(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    initialize(a)
    note = wait_note(a, "status.changed")
    first = a.messages.index(note)
    assert first > index_of_init(a), "status.changed must follow the initialize reply"
    assert note["params"]["kind"] == "warning" and note["params"].get("action") == "set-api-key", note
    validate_notification(note)


def index_of_init(a):
    for i, m in enumerate(a.messages):
        if "result" in m and isinstance(m.get("result"), dict) and "serverInfo" in m["result"]:
            return i
    raise AssertionError("no initialize reply")


def test_status_ok_when_the_key_comes_from_initialization_options(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    initialize(a, {"apiKey": KEY})
    note = wait_note(a, "status.changed")
    assert note["params"]["kind"] == "ok", note
    expect_result(a.call("image.generate", gen(wait=False)))
    assert [p["kind"] for p in status_changes(a)] == ["ok"]


def test_status_ok_after_initialize_with_a_key(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    initialize(a)
    note = wait_note(a, "status.changed")
    assert note["params"]["kind"] == "ok", note
    assert "action" not in note["params"] or note["params"]["action"] is None


def test_status_without_initialize_comes_with_the_first_response(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    expect_result(a.call("image.models"))
    wait_status(a, "warning", "set-api-key")


# An upstream fault as the standin attribute that makes it, its value with and without the
# fault, then the error it causes and the status action that calls for.
STATUS_FAULTS = {
    "rejected-key": ("api_key", "sk-not-yours", KEY, -32001, "set-api-key"),
    "insufficient-credits": ("credits_insufficient", True, False, -32010, "top-up-credits"),
}


@pytest.mark.parametrize("fault", list(STATUS_FAULTS))
def test_status_error_then_recovery(adapter_factory, standin, fault):
    attr, faulty, fixed, code, action = STATUS_FAULTS[fault]
    setattr(standin, attr, faulty)
    a = start_adapter(adapter_factory, standin)
    initialize(a)
    expect_error(a.call("image.generate", gen(wait=False)), code)
    wait_status(a, "error", action)
    mark = len(a.messages)
    setattr(standin, attr, fixed)
    expect_result(a.call("image.generate", gen(wait=False)))
    wait_status(a, "ok", after=mark)


def test_status_unreachable_then_recovery(adapter_factory, standin):
    standin.inject("models", "drop", times=4)
    a = start_adapter(adapter_factory, standin)
    initialize(a)
    expect_error(a.call("image.models", timeout=10), -32013)
    wait_status(a, "warning", "check-network")
    mark = len(a.messages)
    expect_result(a.call("image.models"))
    wait_status(a, "ok", after=mark)


def test_status_closed_port_is_check_network(adapter_factory):
    a = start_adapter(adapter_factory, None, base_url=f"http://127.0.0.1:{closed_port()}")
    initialize(a)
    expect_error(a.call("image.models", timeout=10), -32013)
    wait_status(a, "warning", "check-network")


def test_status_is_sent_only_when_it_changes(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    initialize(a)
    wait_note(a, "status.changed")
    for _ in range(3):
        expect_result(a.call("image.models"))
        expect_result(a.call("image.generate", gen(wait=False)))
    changes = status_changes(a)
    assert len(changes) == 1, changes
    for x, y in zip(changes, changes[1:]):
        assert (x["kind"], x.get("action")) != (y["kind"], y.get("action")), changes
