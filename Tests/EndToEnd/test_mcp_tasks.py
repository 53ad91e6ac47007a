"""MCP Tasks (revision 2025-11-25) over raw JSON-RPC on the binary's stdio (issue 5, "Done when" 2:
the SDK has no tasks client).

Spec: basic/utilities/tasks of 2025-11-25. A task-augmented tools/call answers at once with a
CreateTaskResult; tasks/get, tasks/result (blocks until the task ends, then returns the
CallToolResult with _meta["io.modelcontextprotocol/related-task"]), tasks/list, tasks/cancel.
"""

from __future__ import annotations

import re
import time

import pytest

from mcp_support import *  # noqa: F401,F403

ARGS = {"prompt": "a lighthouse at dusk", "model": "gpt-image-1"}
TASK_FIELDS = {"taskId", "status", "createdAt", "lastUpdatedAt", "ttl"}
TERMINAL = {"completed", "failed", "cancelled"}


def check_task(task: dict, status: str | None = None) -> dict:
    """A Task object as 2025-11-25 defines it."""
    assert isinstance(task, dict), task
    missing = TASK_FIELDS - set(task)
    assert not missing, f"the task lacks {sorted(missing)}: {task}"
    assert isinstance(task["taskId"], str) and task["taskId"], task
    assert task["status"] in {"working", "input_required"} | TERMINAL, task
    if status is not None:
        assert task["status"] == status, f"expected status {status}: {task}"
    created, updated = parse_iso(task["createdAt"]), parse_iso(task["lastUpdatedAt"])
    assert created.tzinfo is not None and updated >= created, task
    assert task["ttl"] is None or (type(task["ttl"]) is int and task["ttl"] > 0), task
    if "pollInterval" in task:
        assert type(task["pollInterval"]) is int and task["pollInterval"] > 0, task
    if "statusMessage" in task:
        assert isinstance(task["statusMessage"], str), task
    return task


def create_task(a: Adapter, arguments: dict, name: str = "generate_image", token=None, ttl: int = 60000) -> dict:
    t0 = time.monotonic()
    resp = a.call("tools/call", tool_call(name, arguments, token=token, task={"ttl": ttl}), timeout=2)
    elapsed = time.monotonic() - t0
    result = expect_result(resp)
    assert set(result) - {"_meta"} == {"task"}, f"a CreateTaskResult holds the task only: {result}"
    task = check_task(result["task"], "working")
    assert "pollInterval" in task, f"no pollInterval from our poller: {task}"
    assert elapsed < FIRST_POLL_S, f"the CreateTaskResult took {elapsed:.2f}s: it must come at once"
    return task


def task_ids(a: Adapter) -> dict[str, str]:
    listed = expect_result(a.call("tasks/list", {}))
    assert isinstance(listed.get("tasks"), list), listed
    for t in listed["tasks"]:
        check_task(t)
    return {t["taskId"]: t["status"] for t in listed["tasks"]}


def test_task_lifecycle_create_get_list_result(adapter_factory, mcp_standin, image_dir):
    mcp_standin.plan_job(pending_polls=None)  # runs until finish_job
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    task = create_task(a, ARGS, token="task-progress")
    tid = task["taskId"]
    assert task["ttl"] == 60000, f"the requested ttl (within any sane limit) is honoured: {task}"
    assert mcp_standin.count("status") == 0, "the task was answered before any poll"

    got = check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "working")
    assert got["taskId"] == tid and got["createdAt"] == task["createdAt"]
    assert RELATED_TASK not in (got.get("_meta") or {}), "tasks/get results SHOULD NOT carry related-task"
    assert task_ids(a) == {tid: "working"}

    # tasks/result blocks while the task works...
    result_id = a.request("tasks/result", {"taskId": tid})
    [submit] = mcp_standin.wait_for("submit", answered=True)
    check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "working")
    assert not any(is_response(m) and same_id(m.get("id"), result_id) for m in a.messages), \
        "tasks/result answered while the task was still working"

    # ...and answers once the job has ended.
    finish_job(mcp_standin, submit.log_id)
    resp, _ = a.wait_response(result_id, timeout=FIRST_POLL_S + 3)
    answered_at = a.times[a.messages.index(resp)]
    final_poll = mcp_standin.wait_for("status", answered=True)[-1]
    assert final_poll.response_json["data"]["status"] == "success"
    assert answered_at >= final_poll.answered_time, "tasks/result answered before the job ended"

    r = expect_result(resp)
    assert r.get("_meta", {}).get(RELATED_TASK) == {"taskId": tid}, f"no related-task in _meta: {r.get('_meta')}"
    assert r.get("isError") in (None, False) and isinstance(r.get("content"), list), r
    sc = r.get("structuredContent")
    assert sc and sc["status"] == "success" and sc["logId"] == submit.log_id, r
    links = [c for c in r["content"] if c.get("type") == "resource_link"]
    assert len(links) == len(sc["images"]) >= 1
    for link in links:
        check_png_uri(link["uri"])
    tools = {t["name"]: t for t in expect_result(a.call("tools/list"))["tools"]}
    validate_against(sc, tools["generate_image"]["outputSchema"], "the task's structuredContent")

    done = check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "completed")
    assert done["createdAt"] == task["createdAt"]
    assert parse_iso(done["lastUpdatedAt"]) >= parse_iso(task["lastUpdatedAt"])
    assert task_ids(a) == {tid: "completed"}
    # A second tasks/result gives the same result at once.
    again = expect_result(a.call("tasks/result", {"taskId": tid}, timeout=1))
    assert again == r

    # The progress token stays valid for the task's lifetime: submission and polls.
    values = [p["progress"] for p in progress_notes(a, "task-progress")]
    assert len(values) >= 2, a.notifications("notifications/progress")
    assert_strictly_increasing(values)
    # Status notifications are optional; when sent, they carry the full task.
    for n in a.notifications("notifications/tasks/status"):
        check_task(n["params"])

    # Cancelling a finished task is an error (spec: -32602).
    expect_error(a.call("tasks/cancel", {"taskId": tid}), -32602)
    check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "completed")


def test_a_task_whose_job_fails_ends_failed_with_the_error_result(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST)
    task = create_task(a, {"prompt": "a lighthouse at dusk", "model": "sim-image-fail"})
    tid = task["taskId"]
    r = expect_result(a.call("tasks/result", {"taskId": tid}, timeout=FIRST_POLL_S + 4))
    assert r.get("_meta", {}).get(RELATED_TASK) == {"taskId": tid}
    assert r.get("isError") is True, r
    assert r["structuredContent"]["status"] == "failed" and r["structuredContent"].get("errorMessage"), r
    check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "failed")
    assert task_ids(a) == {tid: "failed"}
    expect_error(a.call("tasks/cancel", {"taskId": tid}), -32602)


def test_tasks_cancel_stops_tracking_says_the_job_goes_on_and_stops_polling(adapter_factory, mcp_standin, image_dir):
    mcp_standin.plan_job(pending_polls=None)  # would be polled forever
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    task = create_task(a, ARGS)
    tid = task["taskId"]
    [submit] = mcp_standin.wait_for("submit", answered=True)  # running: the job exists upstream

    cancelled = check_task(expect_result(a.call("tasks/cancel", {"taskId": tid})), "cancelled")
    assert cancelled["taskId"] == tid
    message = cancelled.get("statusMessage") or ""
    assert re.search(r"\b(cannot|can't|can ?not)\b[^.]*\bstop", message, re.I), \
        f"the statusMessage must say that the upstream job cannot be stopped: {message!r}"

    # The first poll was due FIRST_POLL_S after the submission: none may come.
    deadline = submit.answered_time + FIRST_POLL_S + QUIET_MARGIN_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
    assert mcp_standin.count("status") == 0, f"polling went on: {mcp_standin.requests_for('status')!r}"

    check_task(expect_result(a.call("tasks/get", {"taskId": tid})), "cancelled")
    assert task_ids(a) == {tid: "cancelled"}
    expect_error(a.call("tasks/cancel", {"taskId": tid}), -32602)


def test_unknown_or_missing_task_ids_are_invalid_params(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST)
    for method in ("tasks/get", "tasks/result", "tasks/cancel"):
        err = expect_error(a.call(method, {"taskId": "no-such-task"}), -32602)
        assert "no-such-task" in err["message"] or "task" in err["message"].lower(), err
        expect_error(a.call(method, {}), -32602)
    expect_error(a.call("tasks/list", {"cursor": "no-such-cursor"}), -32602)
    assert expect_result(a.call("tasks/list", {})) == {"tasks": []}


@pytest.mark.parametrize("tool,arguments", [
    ("get_task_status", {"logId": "0123456789abcdef01234567"}),
    ("list_image_models", {}),
])
def test_task_augmented_call_of_a_tool_without_task_support_is_method_not_found(adapter_factory, image_dir,
                                                                                 tool, arguments):
    # 2025-11-25, tools: taskSupport absent means "forbidden"; servers SHOULD answer -32601.
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST)
    tools = {t["name"]: t for t in expect_result(a.call("tools/list"))["tools"]}
    assert (tools[tool].get("execution") or {}).get("taskSupport", "forbidden") == "forbidden"
    resp = a.call("tools/call", tool_call(tool, arguments, task={"ttl": 60000}))
    expect_error(resp, -32601)
    assert expect_result(a.call("tasks/list", {})) == {"tasks": []}, "no task may be created"


def test_without_the_tasks_capability_a_task_augmented_call_runs_normally(adapter_factory, image_dir):
    # 2025-11-25, tasks: "Receivers that do not declare the task capability for a request type
    # MUST process requests of that type normally, ignoring any task-augmentation metadata."
    a, init = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, version="2025-06-18")
    assert "tasks" not in init["capabilities"]
    resp = a.call("tools/call", tool_call("generate_image", {"prompt": "a kite", "model": "sim-image"},
                                          task={"ttl": 60000}), timeout=FIRST_POLL_S + 4)
    r = expect_result(resp)
    assert "task" not in r, f"a task was created although the session has no tasks capability: {r}"
    assert r.get("structuredContent", {}).get("status") == "success", r
