"""The MCP face's video tools (generate_video, get_task_status with taskId, list_video_models) on the
simulator: in place and as tasks (2025-11-25 and the 2026-07-28 Tasks extension), with the official
SDK and fastmcp; structuredContent checked against each tool's outputSchema."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import rpc

from mcp_support import *  # noqa: F401,F403

PROMPT = "a paper boat on a rainy street"
SIM_VIDEO = ("--simulate", "--simulate-delay-ms", "600")
MODERN = "2026-07-28"
TASKS = "io.modelcontextprotocol/tasks"


def local_file(uri: str, inside: Path) -> Path:
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "file", uri
    path = Path(urllib.parse.unquote(parsed.path))
    assert path.is_file() and path.resolve().parent == inside.resolve(), (path, inside)
    return path


def check_video_links(content: list, sc: dict, inside: Path) -> None:
    """resource_links to the saved video (an MP4) and cover (a PNG), as structuredContent names them."""
    got = {(l["mimeType"] if isinstance(l, dict) else l.mime_type): str(l["uri"] if isinstance(l, dict) else l.uri)
           for l in content if (l.get("type") if isinstance(l, dict) else getattr(l, "type", None)) == "resource_link"}
    assert set(got) == {"video/mp4", "image/png"}, got
    assert got["video/mp4"] == sc["video"]["url"] and got["image/png"] == sc["cover"]["url"]
    assert local_file(got["video/mp4"], inside).read_bytes()[4:8] == b"ftyp"
    assert local_file(got["image/png"], inside).read_bytes().startswith(b"\x89PNG")
    assert sc["video"]["path"] == str(local_file(got["video/mp4"], inside))


def test_generate_video_in_place_reports_progress_and_links_the_saved_files(tmp_path, image_dir):
    async def body():
        progress: list = []

        async def on_progress(value, total, message):
            progress.append(message)

        async with sdk_session(tmp_path, *SIM_VIDEO, image_dir=image_dir) as s:
            models = await s.client.call_tool("list_video_models", {})
            r = await s.client.call_tool("generate_video", {"prompt": PROMPT, "model": "sim-video", "ratio": "1:1",
                                                            "duration": 5}, progress_callback=on_progress)
            tools = await s.tools()
        assert "sim-video" in [m["name"] for m in structured(models)["models"]]
        validate_against(structured(models), tools["list_video_models"].output_schema, "list_video_models")
        assert not r.is_error, r
        sc = structured(r)
        validate_against(sc, tools["generate_video"].output_schema, "generate_video structuredContent")
        assert sc["status"] == "SUCCESS" and LOG_ID_RE.fullmatch(sc["taskId"])
        check_video_links(r.content, sc, image_dir)
        assert progress and sc["taskId"] in progress[0] and "submitted" in progress[0]
        assert any("InProgress" in m for m in progress) and "SUCCESS" in progress[-1], progress

    run_async(body)


def test_a_short_wait_comes_back_with_the_task_id_and_get_task_status_finishes_it(tmp_path, image_dir):
    async def body():
        async with sdk_session(tmp_path, "--simulate", "--simulate-delay-ms", "1500", image_dir=image_dir) as s:
            first = await s.client.call_tool("generate_video", {"prompt": PROMPT, "model": "sim-video", "wait_seconds": 0})
            sc = structured(first)
            assert not first.is_error and sc["status"] == "SUBMITTED" and "taskId " + sc["taskId"] in sc["message"]
            done = await s.client.call_tool("get_task_status", {"taskId": sc["taskId"], "wait_seconds": 20})
            both = await s.client.call_tool("get_task_status", {"taskId": sc["taskId"], "logId": sc["taskId"]})
            tools = await s.tools()
        validate_against(sc, tools["generate_video"].output_schema, "generate_video structuredContent")
        assert not done.is_error, done
        final = structured(done)
        validate_against(final, tools["get_task_status"].output_schema, "get_task_status structuredContent")
        assert final["status"] == "SUCCESS" and final["taskId"] == sc["taskId"]
        check_video_links(done.content, final, image_dir)
        assert both.is_error and "taskId" in text_of(both.content)

    run_async(body)


def test_a_failed_video_job_is_an_error_result_with_its_task_id(tmp_path, image_dir):
    async def body():
        async with sdk_session(tmp_path, "--simulate", "--simulate-delay-ms", "200", image_dir=image_dir) as s:
            r = await s.client.call_tool("generate_video", {"prompt": PROMPT, "model": "sim-video-fail"})
            bad = await s.client.call_tool("generate_video", {"prompt": PROMPT, "model": "sim-video", "resolution": "8k"})
        assert r.is_error and structured(r)["status"] == "FAILURE" and structured(r)["errorMessage"]
        assert bad.is_error and "resolution" in text_of(bad.content)

    run_async(body)


def test_a_legacy_task_follows_the_service_status(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--simulate", "--simulate-delay-ms", "900")
    created = expect_result(a.call("tools/call", tool_call("generate_video", {"prompt": PROMPT, "model": "sim-video"},
                                                           task={"ttl": 60000})))
    task_id = created["task"]["taskId"]
    assert "video job" in created["task"]["statusMessage"]
    messages = set()
    deadline = time.monotonic() + 10
    while True:
        got = expect_result(a.call("tasks/get", {"taskId": task_id}))
        messages.add(got.get("statusMessage", ""))
        if got["status"] != "working":
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.05)
    assert got["status"] == "completed", got
    assert any(m.startswith(("SUBMITTED", "InProgress")) for m in messages), messages
    result = expect_result(a.call("tasks/result", {"taskId": task_id}, timeout=5))
    assert result["structuredContent"]["status"] == "SUCCESS"
    check_video_links(result["content"], result["structuredContent"], image_dir)


def test_the_tasks_extension_runs_generate_video_as_a_task(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--simulate", "--simulate-delay-ms", "900", initialize=False)
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"},
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS: {}}}}
    created = expect_result(a.call("tools/call", {"name": "generate_video", "arguments": {"prompt": PROMPT, "model": "sim-video"},
                                                  "_meta": meta}))
    assert created["resultType"] == "task" and created["status"] == "working", created
    messages = set()
    deadline = time.monotonic() + 10
    while True:
        got = expect_result(a.call("tasks/get", {"taskId": created["taskId"], "_meta": meta}))
        messages.add(got.get("statusMessage", ""))
        if got["status"] != "working":
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.05)
    assert any(m.startswith(("SUBMITTED", "InProgress")) for m in messages), messages
    sc = got["result"]["structuredContent"]
    assert sc["status"] == "SUCCESS"
    check_video_links(got["result"]["content"], sc, image_dir)


def test_fastmcp_runs_generate_video_as_a_task_and_follows_it_by_task_id(adapter_bin, tmp_path):
    import subprocess
    import sys

    import pytest

    sys.path.insert(0, str(rpc.REPO / "scripts"))
    import testenv

    try:
        python = testenv.framework_python("fastmcp")
    except testenv.Unavailable as e:
        pytest.skip(f"fastmcp could not be installed: {e}")
    run = subprocess.run([str(python), str(rpc.REPO / "Tests" / "EndToEnd" / "modern" / "fastmcp_video.py")], cwd=tmp_path,
                         env=rpc.clean_env({"AITOEARN_RPC_BIN": adapter_bin}), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-4000:]
    lines = run.stdout.splitlines()
    assert lines[0] == f"version: {MODERN}", lines
    assert lines[1].startswith("task: ") and lines[1].endswith(" working"), lines
    assert lines[2].startswith("result: SUCCESS "), lines
    assert LOG_ID_RE.fullmatch(lines[2].split()[2]), lines
    later = lines[3].split()
    assert later[:2] == ["status:", "SUBMITTED"] and later[2] != lines[2].split()[2], lines
    assert lines[4] == f"followed: SUCCESS {later[2]}", lines


def test_the_sdk_on_2026_07_28_calls_generate_video_and_follows_it_by_task_id(tmp_path, image_dir):
    async def body():
        async with sdk_session(tmp_path, *SIM_VIDEO, image_dir=image_dir, mode="auto") as s:
            assert s.client.protocol_version == MODERN
            r = await s.client.call_tool("generate_video", {"prompt": PROMPT, "model": "sim-video", "wait_seconds": 0})
            followed = await s.client.call_tool("get_task_status", {"taskId": structured(r)["taskId"], "wait_seconds": 20})
            tools = await s.tools()
        assert structured(r)["status"] == "SUBMITTED"
        sc = structured(followed)
        validate_against(sc, tools["get_task_status"].output_schema, "get_task_status structuredContent")
        assert sc["status"] == "SUCCESS"
        check_video_links(followed.content, sc, image_dir)

    run_async(body)
