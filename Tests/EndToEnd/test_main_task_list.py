"""task.list and the MCP list_jobs tool (PROTOCOL.md §4 `task.list`; issue 21, Done-when 3): the
service's page of the caller's jobs, verbatim, against the stand-in."""

from __future__ import annotations

import json
import urllib.parse

from main_support import *  # noqa: F401,F403
from mcp_support import call_tool_raw, mcp_adapter, run_async, sdk_session, structured


def served_page(standin):
    """The page the stand-in answered last, as it sent it."""
    return standin.requests_for("logs")[-1].response_json["data"]


def test_task_list_returns_the_stand_ins_page_verbatim(adapter_factory, standin, framing):
    ids = [standin.add_job() for _ in range(3)]
    standin.add_video_job()
    a = start_adapter(adapter_factory, standin, framing=framing)
    result = expect_result(a.call("task.list", {"kind": "image"}))
    assert result == served_page(standin)
    assert [j["id"] for j in result["list"]] == ids[::-1]  # newest first
    assert result["total"] == 3 and result["page"] == 1 and result["pageSize"] == 20
    validate_result("task.list", result)
    q = urllib.parse.parse_qs(standin.requests_for("logs")[-1].query)
    assert q == {"type": ["image"], "page": ["1"], "pageSize": ["20"]}


def test_task_list_passes_the_filters_and_the_page(adapter_factory, standin):
    standin.add_job(outcome="failed")
    ok = standin.add_job()
    standin.add_job({"prompt": "x", "model": "doubao-seedream-4-0"})
    video = standin.add_video_job()
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("task.list", {"status": "success", "model": "gpt-image-1", "page": 1, "pageSize": 5}))
    assert [j["id"] for j in result["list"]] == [ok]
    q = urllib.parse.parse_qs(standin.requests_for("logs")[-1].query)
    assert q == {"type": ["image"], "status": ["success"], "model": ["gpt-image-1"], "page": ["1"], "pageSize": ["5"]}
    videos = expect_result(a.call("task.list", {"kind": "video"}))
    assert [j["id"] for j in videos["list"]] == [video] and videos["list"][0]["taskId"] == video
    second = expect_result(a.call("task.list", {"page": 2, "pageSize": 2}))
    assert second == served_page(standin) and second["totalPages"] == 2 and len(second["list"]) == 1


def test_a_job_found_in_the_list_is_followed_with_task_status(adapter_factory, standin):
    lost = standin.add_job()
    a = start_adapter(adapter_factory, standin)
    found = expect_result(a.call("task.list"))["list"][0]["id"]
    assert found == lost
    assert expect_result(a.call("task.status", {"logId": found}))["status"] == "success"


def test_task_list_params_are_checked_locally(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    for params, field in (({"kind": "audio"}, "kind"), ({"pageSize": 101}, "pageSize"), ({"page": 0}, "page"),
                          ({"status": "done"}, "status"), ({"page_size": 5}, "page_size"), ({"model": ""}, "model")):
        err = expect_error(a.call("task.list", params), -32602)
        assert field in error_paths(err), (params, err)
    assert_no_http(standin)


def test_task_list_needs_a_key_and_reports_the_services_refusal(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    expect_error(a.call("task.list"), -32001)
    assert_no_http(standin)
    b = start_adapter(adapter_factory, standin)
    standin.inject("logs", "business", code=400, message="Bad request")
    err = expect_error(b.call("task.list"), -32010)
    assert err["data"]["upstreamCode"] == 400


def test_task_list_under_the_simulator(adapter_factory):
    a = start_adapter(adapter_factory, None, "--simulate", "--simulate-delay-ms", "0", key=None)
    done = expect_result(a.call("image.generate", {"prompt": "a fox", "model": "sim-image", "pollIntervalMs": 10}))
    assert done["points"] == 10
    page = expect_result(a.call("task.list"))
    assert page["list"][0]["id"] == done["logId"] and page["list"][0]["status"] == "success" and page["total"] == 1


def test_mcp_list_jobs_returns_the_page_as_structured_content(adapter_factory, standin, tmp_path):
    ids = [standin.add_job() for _ in range(2)]
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=standin, key=KEY)
    r = expect_result(call_tool_raw(a, "list_jobs", {"kind": "image", "status": None, "model": None, "page": None,
                                                     "page_size": 1}))
    assert not r.get("isError")
    assert r["structuredContent"] == served_page(standin)
    assert [j["id"] for j in r["structuredContent"]["list"]] == [ids[1]]
    assert json.loads(r["content"][0]["text"]) == r["structuredContent"]
    bad = expect_result(call_tool_raw(a, "list_jobs", {"page_size": 1000}))
    assert bad["isError"] and "page_size" in bad["content"][0]["text"]


def test_mcp_list_jobs_with_the_official_sdk(standin, tmp_path):
    log_id = standin.add_job()

    async def body():
        async with sdk_session(tmp_path, server=standin, key=KEY) as s:
            tools = await s.tools()
            assert "list_jobs" in tools and tools["list_jobs"].annotations.read_only_hint is True
            assert "get_task_status" in tools["list_jobs"].description
            r = await s.client.call_tool("list_jobs", {})  # the SDK validates outputSchema
            assert structured(r)["list"][0]["id"] == log_id

    run_async(body)
