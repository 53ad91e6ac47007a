"""The low findings of the latest adversarial pass (issue "Never lose a billed job, never let a
proxy or a crafted value past a rule", L1-L11), reproduced from outside: the built binary over
pipes against the stand-in on 127.0.0.1."""

from __future__ import annotations

import os

import pytest

from main_support import KEY, expect_error, expect_result, gen, standin, start_adapter  # noqa: F401 (fixture)
from mcp_support import call_tool_raw, mcp_adapter, mcp_standin  # noqa: F401 (fixture)

TIME_SCALE = float(os.environ.get("AITOEARN_TEST_TIME_SCALE", "1"))


# ---------------------------------------------------------------------------
# L2: an oversized reply to a submission may mean a billed job
# ---------------------------------------------------------------------------


def test_an_oversized_reply_to_a_submission_says_the_job_may_be_billed(adapter_factory, standin):
    standin.inject("submit", "raw", status=200, headers={"Content-Type": "application/json"},
                   body=b"{" + b" " * (9 << 20) + b"}")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(), timeout=15), -32013)
    assert "may have been submitted and billed" in err["message"], err["message"]
    assert "try again" not in err["message"].lower(), err["message"]
    assert err["data"]["attempts"] == 1
    assert standin.count("submit") == 1


# ---------------------------------------------------------------------------
# L9: a status reply that is not an object with a string status is broken, not a result
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [None, {"status": 42}, "success"], ids=["null", "status-42", "a-string"])
@pytest.mark.parametrize("wait", [False, True], ids=["once", "wait"])
def test_a_status_that_is_not_a_status_is_a_broken_reply(adapter_factory, standin, data, wait):
    log_id = standin.add_job(pending_polls=None)
    standin.inject("status", "business", times=4, code=0, message="success", data=data)
    a = start_adapter(adapter_factory, standin)
    params = {"logId": log_id, "pollIntervalMs": 10, "timeoutMs": 10_000}
    if wait:
        params["wait"] = True
    err = expect_error(a.call("task.status", params, timeout=10), -32013)
    assert err["data"]["logId"] == log_id and err["data"]["attempts"] == 4, err
    assert "not an object with a string status" in err["message"], err["message"]
    assert log_id in err["message"] and "try again" not in err["message"].lower(), err["message"]
    assert standin.count("status") == 4


# ---------------------------------------------------------------------------
# Found on the way: get_task_status without wait_seconds gave its one status request 1 ms
# ---------------------------------------------------------------------------


def test_get_task_status_without_a_wait_reads_a_slow_status(adapter_factory, tmp_path, mcp_standin):
    log_id = mcp_standin.add_job()
    mcp_standin.inject("status", "slow", delay_ms=100)
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=mcp_standin)
    r = expect_result(call_tool_raw(a, "get_task_status", {"logId": log_id}))
    assert r["structuredContent"]["status"] == "success", r
    assert not r.get("isError"), r
