"""MCP 2026-07-28, the stateless revision, beside the legacy versions on the same stdio
(docs/protocol.md §10, README "For agent frameworks: MCP"): server/discover, requests that carry
their protocol version and client capabilities in `_meta` with no initialize, `resultType` on
results, the unsupported-version error, the Tasks extension, progress, cancellation and
per-request logging. Checked as raw JSON-RPC and with the official SDK (`mcp`) in auto mode; its
own schema package (`mcp_types`) validates the shapes."""

from __future__ import annotations

import time

import pytest

import rpc

from mcp_support import *  # noqa: F401,F403

MODERN = "2026-07-28"
TASKS = "io.modelcontextprotocol/tasks"
PROMPT = "a kite over the dunes"


def meta(capabilities: dict | None = None, **extra) -> dict:
    m = {"io.modelcontextprotocol/protocolVersion": MODERN,
         "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"},
         "io.modelcontextprotocol/clientCapabilities": capabilities or {}}
    m.update(extra)
    return m


def modern(params: dict | None = None, capabilities: dict | None = None, **extra) -> dict:
    p = dict(params or {})
    p["_meta"] = {**meta(capabilities), **extra}
    return p


def with_tasks() -> dict:
    return {"extensions": {TASKS: {}}}


def start(adapter_factory, image_dir, *args):
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, *args, initialize=False)
    return a


def assert_modern_result(result: dict, kind: str = "complete") -> None:
    assert result.get("resultType") == kind, result
    info = result["_meta"]["io.modelcontextprotocol/serverInfo"]
    assert info["name"] == "aitoearn-rpc" and info["version"]


def no_lsp_notes(a) -> None:
    notes = [m for m in a.notifications() if m["method"] in LSP_NOTIFICATIONS]
    assert not notes, f"a 2026-07-28 session got LSP-face notifications: {notes!r}"


def test_discover_is_answered_in_full(adapter_factory, image_dir):
    import mcp_types

    a = start(adapter_factory, image_dir)
    t0 = time.monotonic()
    r = expect_result(a.call("server/discover", modern()))
    assert time.monotonic() - t0 < 1.0
    assert_modern_result(r)
    mcp_types.DiscoverResult.model_validate(r)
    assert r["supportedVersions"] == [MODERN, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    caps = r["capabilities"]
    assert "tools" in caps and caps["extensions"] == {TASKS: {}}, caps
    # Deprecated in 2026-07-28, but a server that sends notifications/message (to requests that
    # name a log level) MUST declare it.
    assert caps.get("logging") == {}, caps
    for tool in ("generate_image", "get_task_status", "list_image_models"):
        assert tool in r["instructions"]
    assert isinstance(r["ttlMs"], int) and r["ttlMs"] >= 0 and r["cacheScope"] == "public"
    assert a.messages[0]["id"] is not None and a.messages[0].get("result") == r, "the result is the first message"
    no_lsp_notes(a)


def test_discover_without_meta_is_answered_too(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    r = expect_result(a.call("server/discover"))
    assert MODERN in r["supportedVersions"]


@pytest.mark.parametrize("flags", [(), ("--mcp",)], ids=["detected", "--mcp"])
def test_requests_are_served_without_initialize(adapter_factory, image_dir, flags):
    import mcp_types

    a = start(adapter_factory, image_dir, *flags)
    r = expect_result(a.call("tools/list", modern()))
    assert_modern_result(r)
    mcp_types.ListToolsResult.model_validate(r)
    assert sorted(t["name"] for t in r["tools"]) == sorted(TOOLS)
    assert all("execution" not in t for t in r["tools"]), "task support is server-directed in 2026-07-28"
    assert isinstance(r["ttlMs"], int) and r["cacheScope"] == "public"
    call = expect_result(a.call("tools/call", modern({"name": "generate_image",
                                                       "arguments": {"prompt": PROMPT, "model": "sim-image"}}), timeout=10))
    assert_modern_result(call)
    mcp_types.CallToolResult.model_validate(call)
    assert call["structuredContent"]["status"] == "success" and not call.get("isError")
    models = expect_result(a.call("tools/call", modern({"name": "list_image_models"})))
    assert_modern_result(models)
    assert [m["name"] for m in models["structuredContent"]["models"]][0] == "sim-image"
    no_lsp_notes(a)


@pytest.mark.parametrize("version", ["1900-01-01", "2099-12-31", "not-a-version"])
def test_unsupported_version_lists_ours(adapter_factory, image_dir, version):
    a = start(adapter_factory, image_dir)
    p = modern()
    p["_meta"]["io.modelcontextprotocol/protocolVersion"] = version
    err = expect_error(a.call("tools/list", p), -32022)
    assert err["data"] == {"supported": [MODERN, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"],
                           "requested": version}
    err = expect_error(a.call("server/discover", p), -32022)
    assert err["data"]["requested"] == version
    # The session is still undecided: a modern request works afterwards.
    assert_modern_result(expect_result(a.call("tools/list", modern())))


def test_initialize_after_a_modern_request_names_the_versions(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    expect_result(a.call("server/discover", modern()))
    err = expect_error(a.call("initialize", init_params(LATEST)), -32022)
    assert MODERN in err["data"]["supported"]


def test_removed_methods_are_not_offered(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    expect_result(a.call("server/discover", modern()))
    for method in ("ping", "logging/setLevel", "tasks/list", "tasks/result", "initialize/unknown"):
        expect_error(a.call(method, modern({"level": "info", "taskId": "x"})), -32601)


def test_error_codes(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    expect_error(a.call("tools/call", modern({"name": "no_such_tool"})), -32602)
    expect_error(a.call("tasks/get", modern({"taskId": "no-such-task"}, capabilities=with_tasks())), -32602)
    expect_error(a.call("tasks/get", modern({"taskId": "no-such-task"})), -32021)  # the extension, undeclared
    expect_error(a.call("tools/call", modern()), -32602)
    bad = expect_result(a.call("tools/call", modern({"name": "generate_image", "arguments": {"model": "sim-image"}})))
    assert bad.get("isError") is True and bad["resultType"] == "complete", bad


def test_progress_for_a_call_that_asks(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir, "--simulate-delay-ms", "400")
    p = modern({"name": "generate_image", "arguments": {"prompt": PROMPT, "model": "sim-image"}}, progressToken="tok-1")
    rid = a.request("tools/call", p)
    resp, _ = a.wait_response(rid, timeout=10)
    assert_modern_result(resp["result"])
    notes = [m["params"] for m in a.notifications("notifications/progress")]
    assert notes and all(n["progressToken"] == "tok-1" for n in notes)
    values = [n["progress"] for n in notes]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert a.messages.index(resp) > max(a.messages.index(m) for m in a.notifications("notifications/progress"))


def test_logging_only_for_requests_that_set_a_level(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    expect_result(a.call("tools/call", modern({"name": "generate_image",
                                               "arguments": {"prompt": PROMPT, "model": "sim-image"}}), timeout=10))
    assert a.notifications("notifications/message") == []
    expect_result(a.call("tools/call", modern({"name": "generate_image", "arguments": {"prompt": PROMPT, "model": "sim-image"}},
                                              **{"io.modelcontextprotocol/logLevel": "info"}), timeout=10))
    levels = [m["params"]["level"] for m in a.notifications("notifications/message")]
    assert levels and set(levels) <= {"info", "notice", "warning", "error"}
    expect_result(a.call("tools/call", modern({"name": "generate_image", "arguments": {"prompt": PROMPT, "model": "sim-image"}},
                                              **{"io.modelcontextprotocol/logLevel": "error"}), timeout=10))
    assert [m["params"]["level"] for m in a.notifications("notifications/message")] == levels, "info is below error"


def test_cancelled_call_sends_no_response(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir, "--simulate-delay-ms", "5000")
    rid = a.request("tools/call", modern({"name": "generate_image", "arguments": {"prompt": PROMPT, "model": "sim-image"}}))
    time.sleep(0.3)
    a.notify("notifications/cancelled", {"requestId": rid, "reason": "the user gave up"})
    time.sleep(0.5)
    assert expect_result(a.call("tools/list", modern()))
    assert not [m for m in a.messages if m.get("id") == rid], "a cancelled request must send nothing"


def test_tasks_extension_runs_a_generation_as_a_task(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir, "--simulate-delay-ms", "300")
    created = expect_result(a.call("tools/call", modern({"name": "generate_image",
                                                         "arguments": {"prompt": PROMPT, "model": "sim-image"}},
                                                        capabilities=with_tasks()), timeout=5))
    assert_modern_result(created, "task")
    for field in ("taskId", "status", "createdAt", "lastUpdatedAt", "ttlMs", "pollIntervalMs"):
        assert field in created, (field, created)
    assert created["status"] == "working" and "result" not in created
    task_id = created["taskId"]
    deadline = time.monotonic() + 8
    while True:
        got = expect_result(a.call("tasks/get", modern({"taskId": task_id}, capabilities=with_tasks())))
        assert_modern_result(got)
        assert got["taskId"] == task_id
        if got["status"] != "working":
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    assert got["status"] == "completed", got
    result = got["result"]
    assert result["structuredContent"]["status"] == "success"
    assert result["structuredContent"]["images"], result
    assert_modern_result(expect_result(a.call("tasks/update", modern({"taskId": task_id, "inputResponses": {}}, capabilities=with_tasks()))))
    assert_modern_result(expect_result(a.call("tasks/cancel", modern({"taskId": task_id}, capabilities=with_tasks()))))
    no_lsp_notes(a)
    assert a.notifications("notifications/tasks/status") == [], "2026-07-28 has no unsolicited task notifications"


def test_tasks_are_not_used_for_clients_without_the_extension_or_other_tools(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir)
    plain = expect_result(a.call("tools/call", modern({"name": "generate_image",
                                                       "arguments": {"prompt": PROMPT, "model": "sim-image"}}), timeout=10))
    assert plain["resultType"] == "complete"
    models = expect_result(a.call("tools/call", modern({"name": "list_image_models"}, capabilities=with_tasks())))
    assert models["resultType"] == "complete"


def test_cancelling_a_task_stops_following_and_says_the_job_goes_on(adapter_factory, image_dir):
    a = start(adapter_factory, image_dir, "--simulate-delay-ms", "5000")
    created = expect_result(a.call("tools/call", modern({"name": "generate_image",
                                                         "arguments": {"prompt": PROMPT, "model": "sim-image"}},
                                                        capabilities=with_tasks())))
    assert_modern_result(expect_result(a.call("tasks/cancel", modern({"taskId": created["taskId"]}, capabilities=with_tasks()))))
    got = expect_result(a.call("tasks/get", modern({"taskId": created["taskId"]}, capabilities=with_tasks())))
    assert got["status"] == "cancelled" and "billed" in got["statusMessage"]


def test_sdk_in_auto_mode_speaks_2026_07_28_beside_a_legacy_client(tmp_path):
    """docs/protocol.md §10: the official SDK in auto mode probes server/discover and adopts
    2026-07-28; in the same run a legacy (2025-11-25) client still gets the handshake."""
    async def body():
        progress: list = []

        async def on_progress(value, total, message):
            progress.append((value, message))

        async with sdk_session(tmp_path, "--simulate", "--simulate-delay-ms", "300", mode="auto") as s:
            c = s.client
            assert c.protocol_version == MODERN
            assert c.server_info is not None and c.server_info.name == "aitoearn-rpc"
            tools = await c.list_tools()
            assert sorted(t.name for t in tools.tools) == sorted(TOOLS)
            r = await c.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image", "wait_seconds": 10},
                                  progress_callback=on_progress)
            assert not r.is_error and r.structured_content["status"] == "success"
            trace = s.trace
        got = received(trace)
        assert got[0]["method"] == "server/discover" and all(m.get("method") != "initialize" for m in got)
        assert progress and progress[0][1].startswith("submitted")
        async with sdk_session(tmp_path, *SIM_FAST) as legacy:
            assert legacy.client.protocol_version == LATEST
            assert sorted(t.name for t in (await legacy.client.list_tools()).tools) == sorted(TOOLS)

    run_async(body)


# ---------------------------------------------------------------------------
# Frameworks that run tasks only on 2026-07-28 (in the venvs of Tests/EndToEnd/frameworks/)
# ---------------------------------------------------------------------------

def run_framework_program(framework: str, program: str, adapter_bin: str, tmp_path) -> list[str]:
    import subprocess
    import sys

    sys.path.insert(0, str(rpc.REPO / "scripts"))
    import testenv

    try:
        python = testenv.framework_python(framework)
    except testenv.Unavailable as e:
        pytest.skip(f"{framework} could not be installed: {e}")
    run = subprocess.run([str(python), str(rpc.REPO / "Tests" / "EndToEnd" / "modern" / program)], cwd=tmp_path,
                         env=rpc.clean_env({"AITOEARN_RPC_BIN": adapter_bin}), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"{program} exited {run.returncode}; stderr:\n{run.stderr[-4000:]}"
    return run.stdout.splitlines()


def test_fastmcp_runs_a_task_augmented_generation(adapter_bin, tmp_path):
    """fastmcp 4 (with fastmcp-tasks): a task handle, its status, its result; and a plain
    call_tool that the client drives through a task by itself."""
    lines = run_framework_program("fastmcp", "fastmcp_task.py", adapter_bin, tmp_path)
    assert lines[0] == f"version: {MODERN}", lines
    task = lines[1].split()
    assert task[0] == "task:" and task[2] == "working", lines
    assert lines[2] in ("status: working", "status: completed"), lines
    assert lines[3].startswith("result: success "), lines
    assert lines[4] == "call_tool: success", lines


def test_pydantic_ai_use_task_succeeds(adapter_bin, tmp_path):
    lines = run_framework_program("pydantic_ai", "pydantic_ai_task.py", adapter_bin, tmp_path)
    assert lines[0] == f"version: {MODERN}", lines
    assert lines[1].startswith("use_task: success "), lines
