"""The MCP session over raw JSON-RPC on the binary's stdio (issue 5): server/discover, protocol
detection and version negotiation, logging, notifications/cancelled, and the separation
from the LSP-style face (no status.changed / task.progress in an MCP session).
"""

from __future__ import annotations

import time

import pytest

from mcp_support import *  # noqa: F401,F403

PROMPT = "a paper boat on a pond"

# What the SDK sends as its probe (revision 2026-07-28).
DISCOVER_PARAMS = {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                             "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"},
                             "io.modelcontextprotocol/clientCapabilities": {}}}


def lsp_notes(a: Adapter) -> list[dict]:
    return [m for m in a.notifications() if m["method"] in LSP_NOTIFICATIONS]


# ---------------------------------------------------------------------------
# server/discover and initialize
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [(), ("--mcp",)], ids=["detected", "--mcp"])
def test_a_legacy_session_stays_legacy_and_has_no_server_discover(adapter_factory, image_dir, flags):
    """A session that began with a legacy initialize stays legacy (docs/protocol.md §10): a
    later server/discover is not a method of that face."""
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, *flags, initialize=False)
    init = expect_result(a.call("initialize", init_params(LATEST)))
    assert init["protocolVersion"] == LATEST
    assert init["serverInfo"]["name"] == "aitoearn-rpc"
    a.notify("notifications/initialized")
    assert expect_result(a.call("ping")) == {}
    tools = expect_result(a.call("tools/list"))["tools"]
    assert sorted(t["name"] for t in tools) == sorted(TOOLS)
    expect_error(a.call("server/discover", DISCOVER_PARAMS, timeout=2), -32601)
    # A request naming 2026-07-28 is still served the legacy way in a legacy session.
    tools = expect_result(a.call("tools/list", DISCOVER_PARAMS))
    assert "resultType" not in tools
    assert not lsp_notes(a), f"an MCP session got LSP-face notifications: {lsp_notes(a)!r}"


@pytest.mark.parametrize("requested,expected", [(v, v) for v in VERSIONS] + [("2099-01-01", LATEST), ("1.0", LATEST)])
def test_protocol_version_negotiation_and_the_tasks_capability(adapter_factory, image_dir, requested, expected):
    a, init = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, version=requested)
    assert init["protocolVersion"] == expected, init
    caps = init["capabilities"]
    assert "tools" in caps and "logging" in caps, caps
    assert init["serverInfo"]["name"] == "aitoearn-rpc" and init["serverInfo"]["version"]
    if expected == "2025-11-25":
        tasks = caps.get("tasks")
        assert tasks is not None, caps
        assert "list" in tasks and "cancel" in tasks and "call" in tasks["requests"]["tools"], tasks
    else:
        assert "tasks" not in caps, f"the tasks capability exists only from 2025-11-25: {caps}"
    # The session speaks MCP whatever the version.
    tools = {t["name"]: t for t in expect_result(a.call("tools/list"))["tools"]}
    assert sorted(tools) == sorted(TOOLS)
    r = expect_result(a.call("tools/call", tool_call("list_image_models", {})))
    assert "sim-image" in [m["name"] for m in r["structuredContent"]["models"]]
    assert not lsp_notes(a)


def test_mcp_flag_opens_an_mcp_session_even_without_a_protocol_version(adapter_factory, image_dir):
    a, init = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, "--mcp", version=None)
    assert init["protocolVersion"] == LATEST and "tools" in init["capabilities"], init
    assert "methods" not in init["capabilities"], "an MCP initialize result, not the LSP one"
    assert sorted(t["name"] for t in expect_result(a.call("tools/list"))["tools"]) == sorted(TOOLS)
    assert not lsp_notes(a)


def test_an_lsp_session_has_no_mcp_methods(adapter_factory, image_dir):
    a, init = mcp_adapter(adapter_factory, image_dir, *SIM_FAST, version=None)
    assert "methods" in init["capabilities"], f"an initialize without protocolVersion is the LSP face: {init}"
    for method in ("tools/list", "tools/call", "tasks/list", "logging/setLevel"):
        expect_error(a.call(method, {}), -32601)
    # The LSP face keeps its own notifications.
    a.wait_until(lambda: a.notifications("status.changed"), what="status.changed")


# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------


def message_levels(a: Adapter, after: int = 0) -> list[str]:
    out = []
    for m in a.messages[after:]:
        if is_notification(m) and m["method"] == "notifications/message":
            p = m["params"]
            assert p["level"] in LOG_LEVELS and "data" in p, p
            out.append(p["level"])
    return out


def test_logging_set_level_filters_notifications_message(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST)
    expect_error(a.call("logging/setLevel", {"level": "verbose"}), -32602)
    assert expect_result(a.call("logging/setLevel", {"level": "warning"})) == {}
    mark = len(a.messages)
    ok = a.request("tools/call", tool_call("generate_image", {"prompt": PROMPT, "model": "sim-image"}))
    bad = a.request("tools/call", tool_call("generate_image", {"prompt": PROMPT, "model": "sim-image-fail"}))
    expect_result(a.wait_response(ok, timeout=FIRST_POLL_S + 4)[0])
    assert expect_result(a.wait_response(bad, timeout=FIRST_POLL_S + 4)[0])["isError"] is True
    expect_result(a.call("ping"))
    levels = message_levels(a, mark)
    assert levels, f"a failed job is worth a message at warning or above: {a.messages[mark:]!r}"
    below = [lv for lv in levels if LOG_LEVELS.index(lv) < LOG_LEVELS.index("warning")]
    assert not below, f"messages below the level set: {below}"

    assert expect_result(a.call("logging/setLevel", {"level": "info"})) == {}
    mark = len(a.messages)
    expect_result(call_tool_raw(a, "generate_image", {"prompt": PROMPT, "model": "sim-image"},
                                timeout=FIRST_POLL_S + 4))
    levels = message_levels(a, mark)
    assert all(LOG_LEVELS.index(lv) >= LOG_LEVELS.index("info") for lv in levels), levels
    assert any(LOG_LEVELS.index(lv) < LOG_LEVELS.index("warning") for lv in levels), \
        f"at level info, the messages below warning (held back above) arrive: {a.messages[mark:]!r}"

    assert expect_result(a.call("logging/setLevel", {"level": "emergency"})) == {}
    mark = len(a.messages)
    call_tool_raw(a, "generate_image", {"prompt": PROMPT, "model": "sim-image-fail"}, timeout=FIRST_POLL_S + 4)
    assert message_levels(a, mark) == []


# ---------------------------------------------------------------------------
# notifications/cancelled
# ---------------------------------------------------------------------------


def test_notifications_cancelled_stops_polling_and_no_response_is_ever_sent(adapter_factory, mcp_standin,
                                                                           image_dir, tmp_path):
    mcp_standin.plan_job(pending_polls=None)  # would be polled forever
    trace = tmp_path / "trace.ndjson"
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin, trace=trace)
    rid = "call-to-cancel"
    a.request("tools/call", tool_call("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}, token="tok"),
              id=rid)
    [submit] = mcp_standin.wait_for("submit", answered=True)
    a.wait_until(lambda: progress_notes(a, "tok"), what="the submission's progress")
    a.notify("notifications/cancelled", {"requestId": rid, "reason": "the user changed their mind"})
    # The first poll was due FIRST_POLL_S after the submission: watch past it.
    deadline = submit.answered_time + FIRST_POLL_S + QUIET_MARGIN_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
    assert mcp_standin.count("status") == 0, f"polling went on: {mcp_standin.requests_for('status')!r}"
    expect_result(a.call("ping"))
    assert not any(is_response(m) and same_id(m.get("id"), rid) for m in a.messages), \
        "a request cancelled by notifications/cancelled must get no response"
    assert_no_response_in_trace(trace, rid)
    assert len(progress_notes(a, "tok")) == 1, "no progress after the cancel"
    # The session goes on; the job can still be followed by its logId.
    r = expect_result(call_tool_raw(a, "get_task_status", {"logId": submit.log_id}))
    assert r["structuredContent"]["status"] == "generating"
    assert a.finish() == 0
    assert not any(is_response(m) and same_id(m.get("id"), rid) for m in a.messages)


def test_notifications_cancelled_for_an_unknown_or_finished_request_does_nothing(adapter_factory, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, *SIM_FAST)
    r = call_tool_raw(a, "list_image_models", {})
    a.notify("notifications/cancelled", {"requestId": r["id"]})
    a.notify("notifications/cancelled", {"requestId": 99999})
    a.notify("notifications/cancelled", {})
    assert expect_result(a.call("ping")) == {}


# ---------------------------------------------------------------------------
# The LSP face's notifications never reach an MCP session
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("flags,version", [((), LATEST), (("--mcp",), None)], ids=["detected", "--mcp"])
def test_mcp_sessions_never_get_status_changed_or_task_progress(adapter_factory, mcp_standin, image_dir,
                                                                flags, version, tmp_path):
    # Baseline: a rejected key makes the LSP face send status.changed.
    lsp, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin, key="sk-wrong", version=None)
    lsp.call("image.generate", {"prompt": PROMPT, "model": "gpt-image-1", "pollIntervalMs": 10})
    lsp.wait_until(lambda: [n for n in lsp.notifications("status.changed") if n["params"]["kind"] == "error"],
                   what="status.changed error on the LSP face")

    a, _ = mcp_adapter(adapter_factory, image_dir, *flags, server=mcp_standin, version=version)
    # A rejected key (upstream 401), an upstream business error, then a job followed to its end.
    mcp_standin.inject("submit", "business", code=401, message="Unauthorized")
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}))
    assert r["isError"] is True
    mcp_standin.inject("submit", "business", code=12001)
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}))
    assert r["isError"] is True
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}, token=7,
                                    timeout=FIRST_POLL_S + 4))
    assert r["structuredContent"]["status"] == "success"
    assert len(progress_notes(a, 7)) >= 2, "progress went out as notifications/progress"
    expect_result(a.call("ping"))
    assert not lsp_notes(a), f"an MCP session got LSP-face notifications: {lsp_notes(a)!r}"
