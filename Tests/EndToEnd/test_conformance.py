"""MCP and JSON-RPC to the letter (issue "Conformance to the letter"): what the newest clients
and the 2026-07-28 revision require, each finding as a test, in raw frames where the spec speaks
and with the real client where a client showed it."""

from __future__ import annotations

import time

import pytest

import rpc
from mcp_support import SIM_FAST, expect_error, expect_result, init_params, mcp_adapter
from test_mcp_modern import MODERN, modern, run_framework_program, with_tasks

PROMPT = "a kite over the dunes"


def start(adapter_factory, tmp_path, *args):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", *SIM_FAST, *args, initialize=False)
    return a


def generate(arguments=None, **meta_extra):
    return {"name": "generate_image", "arguments": arguments or {"prompt": PROMPT, "model": "sim-image"}}


def wait_task(a, task_id, caps):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        t = expect_result(a.call("tasks/get", modern({"taskId": task_id}, capabilities=caps)))
        if t["status"] in ("completed", "failed", "cancelled"):
            return t
        time.sleep(0.05)
    raise AssertionError("the task did not end")


# 1. A finished 2026-07-28 task points to no removed method.
def test_a_finished_modern_task_names_no_removed_method(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path)
    created = expect_result(a.call("tools/call", modern(generate(), capabilities=with_tasks())))
    task = wait_task(a, created["taskId"], with_tasks())
    assert "tasks/result" not in task["statusMessage"] and "tasks/list" not in task["statusMessage"], task
    assert "tasks/get" in task["statusMessage"], task  # what a 2026-07-28 client calls to read the result
    assert task["result"]["structuredContent"]["status"] == "success"


# 2. Declaring the Tasks extension does not take progress and cancel away from a call that asks for them.
def test_a_call_with_a_progress_token_is_answered_in_place_despite_the_tasks_extension(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path, "--simulate-delay-ms", "300")
    params = modern(generate(), capabilities=with_tasks(), progressToken="p1")
    result = expect_result(a.call("tools/call", params, timeout=10))
    assert result["resultType"] == "complete" and result["structuredContent"]["status"] == "success", result
    notes = [m["params"] for m in a.notifications("notifications/progress")]
    assert notes and all(n["progressToken"] == "p1" for n in notes)


def test_fastmcp_with_fastmcp_tasks_still_reports_progress(adapter_bin, tmp_path):
    lines = run_framework_program("fastmcp", "fastmcp_progress.py", adapter_bin, tmp_path)
    assert lines[0] == f"version: {MODERN}" and lines[1] == "status: success", lines
    assert int(lines[2].split()[1]) >= 2, lines


def test_a_progress_token_call_with_the_tasks_extension_can_be_cancelled(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path, "--simulate-delay-ms", "5000")
    rid = a.request("tools/call", modern(generate(), capabilities=with_tasks(), progressToken="p2"))
    a.wait_until(lambda: a.notifications("notifications/progress"), what="the submission's progress")
    a.notify("notifications/cancelled", modern({"requestId": rid}))
    time.sleep(0.3)
    assert expect_result(a.call("tools/list", modern()))
    assert not [m for m in a.messages if m.get("id") == rid and "method" not in m], "a cancelled request sends nothing"


# 5. Tasks extension MUSTs.
@pytest.mark.parametrize("method", ["tasks/get", "tasks/cancel", "tasks/update"])
def test_tasks_methods_without_the_extension_declared_are_32021(adapter_factory, tmp_path, method):
    a = start(adapter_factory, tmp_path)
    created = expect_result(a.call("tools/call", modern(generate(), capabilities=with_tasks())))
    err = rpc.expect_error(a.call(method, modern({"taskId": created["taskId"]})), -32021)
    assert "io.modelcontextprotocol/tasks" in err["message"]
    expect_result(a.call("tasks/get", modern({"taskId": created["taskId"]}, capabilities=with_tasks())))


def test_invalid_arguments_fail_at_once_even_when_a_task_could_be_made(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path)
    bad = modern(generate({"prompt": "", "model": "sim-image"}), capabilities=with_tasks())
    result = expect_result(a.call("tools/call", bad))
    assert result["resultType"] == "complete" and result["isError"] is True, result
    assert "taskId" not in result


def test_legacy_task_calls_with_invalid_arguments_fail_at_once(adapter_factory, tmp_path):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", *SIM_FAST, version="2025-11-25")
    result = expect_result(a.call("tools/call", {"name": "generate_image", "arguments": {"prompt": "", "model": "sim-image"},
                                                 "task": {"ttl": 60000}}))
    assert result.get("isError") is True and "task" not in result, result
    assert expect_result(a.call("tasks/list"))["tasks"] == []


# 6. The logging capability is declared, since requests with a log level get notifications/message.
def test_discover_declares_logging(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path)
    caps = expect_result(a.call("server/discover"))["capabilities"]
    assert "logging" in caps, caps


# 7. exit answers what was asked before it.
@pytest.mark.parametrize("round_", range(10))
def test_exit_after_shutdown_in_one_write_answers_everything_before_it(adapter_factory, round_):
    a = adapter_factory(["--simulate"], framing="ndjson")
    msgs = [rpc.request_obj("initialize", {"capabilities": {}}, 1), rpc.request_obj("image.models", None, 2),
            rpc.request_obj("shutdown", None, 3), rpc.notification_obj("exit")]
    a.send_raw(b"".join(rpc.encode(m, "ndjson") for m in msgs))
    assert a.wait_exit(2) == 0
    ids = [m.get("id") for m in a.messages if "method" not in m]
    assert ids[:1] == [1] and sorted(ids) == [1, 2, 3], a.messages
    assert [m for m in a.messages if m.get("id") == 3][0]["result"] is None


def test_exit_without_shutdown_answers_requests_in_flight_first(adapter_factory):
    a = adapter_factory(["--simulate", "--simulate-delay-ms", "5000"], framing="ndjson")
    msgs = [rpc.request_obj("image.generate", {"prompt": "x", "model": "sim-image"}, 7), rpc.notification_obj("exit")]
    a.send_raw(b"".join(rpc.encode(m, "ndjson") for m in msgs))
    assert a.wait_exit(2) == 1
    [answer] = [m for m in a.messages if m.get("id") == 7]
    assert answer["error"]["code"] == -32800


# 8. initialize after 2026-07-28 traffic says why it is refused.
def test_initialize_after_modern_traffic_says_why(adapter_factory, tmp_path):
    a = start(adapter_factory, tmp_path)
    expect_result(a.call("tools/list", modern()))
    err = rpc.expect_error(a.call("initialize", init_params("2025-11-25")), -32022)
    assert "2025-11-25" in err["data"]["supported"]
    assert "Unsupported" not in err["message"] and "no initialize" in err["message"], err
