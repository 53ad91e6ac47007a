"""Idempotency keys (issue "Conformance to the letter", 9): openai-agents with max_retry_attempts
resent a timed-out generate_image, and every resend was a billed job. With `idempotency_key` (MCP)
or `idempotencyKey` (JSON-RPC), a repeat in the same process submits nothing: it follows the first
call's job, while that one still runs or after it ended; other arguments under the key are refused."""

from __future__ import annotations

import pytest

from main_support import KEY, expect_error, expect_result, gen, start_adapter, standin  # noqa: F401
from mcp_support import adapter_args, init_params


def test_a_repeated_key_while_the_first_call_runs_makes_one_post(adapter_factory, standin):
    standin.pending_polls = 3
    standin.inject("submit", "slow", delay_ms=300)
    a = start_adapter(adapter_factory, standin)
    first = a.request("image.generate", gen(idempotencyKey="k-1"))
    second = a.request("image.generate", gen(idempotencyKey="k-1"))
    r1 = expect_result(a.wait_response(first, timeout=8)[0])
    r2 = expect_result(a.wait_response(second, timeout=8)[0])
    assert standin.count("submit") == 1
    assert r1["logId"] == r2["logId"] and r1["status"] == r2["status"] == "success"


def test_a_repeated_key_after_the_first_call_ended_makes_no_post(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    r1 = expect_result(a.call("image.generate", gen(idempotencyKey="k-2", wait=False)))
    r2 = expect_result(a.call("image.generate", gen(idempotencyKey="k-2", wait=False)))
    assert r1 == r2 and standin.count("submit") == 1
    # Waiting this time, it follows the same job to its end.
    r3 = expect_result(a.call("image.generate", gen(idempotencyKey="k-2")))
    assert r3["logId"] == r1["logId"] and r3["status"] == "success" and standin.count("submit") == 1


def test_other_arguments_under_a_used_key_are_refused(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.generate", gen(idempotencyKey="k-3", wait=False)))
    err = expect_error(a.call("image.generate", gen(idempotencyKey="k-3", prompt="another picture", wait=False)), -32602)
    assert err["data"]["errors"][0]["path"].endswith("idempotencyKey"), err
    assert standin.count("submit") == 1
    # Adapter options are not arguments of the submission: another poll interval is the same call.
    expect_result(a.call("image.generate", gen(idempotencyKey="k-3", pollIntervalMs=20, wait=False)))
    assert standin.count("submit") == 1


def test_a_key_whose_submission_surely_did_not_go_out_can_be_retried(adapter_factory, standin):
    standin.inject("submit", "business", code=12001, message="用户Credits不足")
    a = start_adapter(adapter_factory, standin)
    expect_error(a.call("image.generate", gen(idempotencyKey="k-4", wait=False)), -32010)
    expect_result(a.call("image.generate", gen(idempotencyKey="k-4", wait=False)))
    assert standin.count("submit") == 2


def test_a_key_whose_submission_may_have_been_billed_is_never_resent(adapter_factory, standin):
    standin.inject("submit", "drop")  # read, then the connection closed: the job may exist
    a = start_adapter(adapter_factory, standin)
    expect_error(a.call("image.generate", gen(idempotencyKey="k-5", wait=False)), -32013)
    err = expect_error(a.call("image.generate", gen(idempotencyKey="k-5", wait=False)), -32013)
    assert "may have been submitted" in err["message"]
    assert standin.count("submit") == 1


def test_task_status_takes_no_key(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    expect_error(a.call("task.status", {"logId": "0123456789abcdef01234567", "idempotencyKey": "x"}), -32602)


def test_mcp_tool_retries_with_the_same_key_make_one_post(adapter_factory, standin, tmp_path):
    standin.pending_polls = 2
    standin.inject("submit", "slow", delay_ms=300)
    a = adapter_factory(adapter_args(tmp_path / "images", server=standin), framing="ndjson", extra_env={"AITOEARN_API_KEY": KEY})
    expect_result(a.call("initialize", init_params("2025-11-25")))
    a.notify("notifications/initialized")
    args = {"prompt": "a red fox", "model": "gpt-image-1", "idempotency_key": "agent-call-7"}
    first = a.request("tools/call", {"name": "generate_image", "arguments": args})
    second = a.request("tools/call", {"name": "generate_image", "arguments": args})
    r1 = expect_result(a.wait_response(first, timeout=10)[0])
    r2 = expect_result(a.wait_response(second, timeout=10)[0])
    assert standin.count("submit") == 1
    assert r1["structuredContent"]["logId"] == r2["structuredContent"]["logId"]
    assert r1["structuredContent"]["status"] == r2["structuredContent"]["status"] == "success"
    bad = expect_result(a.call("tools/call", {"name": "generate_image", "arguments": {**args, "prompt": "a blue fox"}}))
    assert bad["isError"] is True and "idempotency" in bad["content"][0]["text"], bad
    assert standin.count("submit") == 1
