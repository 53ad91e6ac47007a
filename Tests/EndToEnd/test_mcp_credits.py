"""MCP: what a job costs, the spending limit and confirmation before a job (PROTOCOL.md §4 "Credits";
issue 21, Done-when 2), with raw JSON-RPC and the official SDK, against the stand-in."""

from __future__ import annotations

import mcp_types as types

from mcp_support import *  # noqa: F401,F403

ARGS = {"prompt": "a red fox in the snow", "model": "gpt-image-1"}


def image_tool(a, arguments=None, **extra):
    return expect_result(call_tool_raw(a, "generate_image", {**ARGS, **(arguments or {})}, **extra))


def text(result):
    return "\n".join(c["text"] for c in result["content"] if c["type"] == "text")


def test_generate_image_reports_the_quote_and_what_was_charged(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    r = image_tool(a)
    assert not r.get("isError")
    assert r["structuredContent"]["credits"] == {"quote": 12, "points": 12}
    assert '"credits"' in r["content"][0]["text"]
    status = expect_result(call_tool_raw(a, "get_task_status", {"logId": r["structuredContent"]["logId"]}))
    assert status["structuredContent"]["credits"] == {"points": 12}


def test_a_failed_job_reports_points_0_and_a_video_its_quote(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    failed = image_tool(a, {"model": "standin-fail"})
    assert failed["isError"] and failed["structuredContent"]["credits"] == {"quote": 5, "points": 0}
    video = expect_result(call_tool_raw(a, "generate_video", {"prompt": "a fox running", "model": "standin-video",
                                                             "resolution": "1080p", "wait_seconds": 0}))
    assert video["structuredContent"]["credits"] == {"quote": 150}


def test_over_the_limit_is_an_is_error_result_and_nothing_is_sent(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--max-credits", "20", server=mcp_standin)
    assert not image_tool(a).get("isError")
    r = image_tool(a)
    assert r["isError"] and "spending limit" in text(r) and "Nothing was submitted" in text(r)
    assert mcp_standin.count("submit") == 1


def test_without_elicitation_the_agent_is_told_to_confirm_and_then_it_submits_exactly_once(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--confirm-credits-above", "5", server=mcp_standin)
    r = image_tool(a)
    assert r["isError"] and "confirm_credits 12" in text(r) and "Ask the user" in text(r)
    assert mcp_standin.count("submit") == 0
    wrong = image_tool(a, {"confirm_credits": 11})
    assert wrong["isError"] and "is not this job's price, 12 credits" in text(wrong)
    assert mcp_standin.count("submit") == 0
    ok = image_tool(a, {"confirm_credits": 12})
    assert not ok.get("isError") and ok["structuredContent"]["status"] == "success"
    assert mcp_standin.count("submit") == 1
    # A job at or under the threshold needs no confirmation.
    cheap = image_tool(a, {"model": "standin-fail"})
    assert "confirm_credits" not in text(cheap) and mcp_standin.count("submit") == 2


def test_the_tool_descriptions_and_schemas_say_so(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    tools = {t["name"]: t for t in expect_result(a.call("tools/list"))["tools"]}
    for name in ("generate_image", "edit_image", "generate_video"):
        t = tools[name]
        assert "confirm_credits" in t["inputSchema"]["properties"] and "confirm_credits" in t["inputSchema"]["required"]
        assert "spending limit" in t["description"] and "confirm_credits" in t["description"]
        assert "credits" in t["outputSchema"]["properties"]


def modern_call(a, arguments, capabilities, **extra):
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": capabilities}
    return expect_result(a.call("tools/call", {"name": "generate_image", "arguments": {**ARGS, **arguments}, "_meta": meta, **extra},
                                timeout=8))


def test_2026_input_required_carries_the_question_and_the_retry_decides(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--confirm-credits-above", "5", server=mcp_standin, initialize=False)
    caps = {"elicitation": {"form": {}}}
    first = modern_call(a, {}, caps)
    assert first["resultType"] == "input_required"
    ask = first["inputRequests"]["aitoearn-confirm-credits"]
    assert ask["method"] == "elicitation/create" and "12 credits" in ask["params"]["message"]
    assert mcp_standin.count("submit") == 0
    no = modern_call(a, {}, caps, inputResponses={"aitoearn-confirm-credits": {"action": "decline"}},
                     requestState=first["requestState"])
    assert no["resultType"] == "complete" and no["isError"] and "declined" in text(no)
    assert mcp_standin.count("submit") == 0
    # A state for another price is asked again, not taken as a yes.
    again = modern_call(a, {}, caps, inputResponses={"aitoearn-confirm-credits": {"action": "accept"}}, requestState="x")
    assert again["resultType"] == "input_required" and mcp_standin.count("submit") == 0
    yes = modern_call(a, {}, caps, inputResponses={"aitoearn-confirm-credits": {"action": "accept", "content": {"confirm": True}}},
                      requestState=first["requestState"])
    assert yes["resultType"] == "complete" and not yes.get("isError") and mcp_standin.count("submit") == 1
    # Without elicitation declared, the agent is asked to confirm by argument.
    plain = modern_call(a, {}, {})
    assert plain["isError"] and "confirm_credits 12" in text(plain)


def sdk_elicitation(answer, asked):
    async def callback(context, params):
        asked.append(params.message)
        return types.ElicitResult(action=answer, content={"confirm": True} if answer == "accept" else None)
    return callback


def test_the_official_sdk_asks_the_user_accepting_submits_and_declining_does_not(mcp_standin, tmp_path):
    async def body():
        for answer, submits in (("decline", 0), ("accept", 1)):
            asked: list[str] = []
            async with sdk_session(tmp_path, "--confirm-credits-above", "5", server=mcp_standin, mode="auto",
                                   elicitation_callback=sdk_elicitation(answer, asked)) as s:
                r = await s.client.call_tool("generate_image", ARGS)
                assert len(asked) == 1 and "12 credits" in asked[0]
                assert mcp_standin.count("submit") == submits
                if answer == "accept":
                    assert not r.is_error and structured(r)["credits"] == {"quote": 12, "points": 12}
                else:
                    assert r.is_error and "declined" in text_of(r.content)

    run_async(body)


def test_the_official_sdk_without_elicitation_is_told_to_confirm(mcp_standin, tmp_path):
    async def body():
        async with sdk_session(tmp_path, "--confirm-credits-above", "5", server=mcp_standin) as s:
            r = await s.client.call_tool("generate_image", ARGS)
            assert r.is_error and "confirm_credits 12" in text_of(r.content)
            ok = await s.client.call_tool("generate_image", {**ARGS, "confirm_credits": 12})
            assert not ok.is_error and mcp_standin.count("submit") == 1

    run_async(body)


def test_a_legacy_sdk_session_is_asked_with_an_elicitation_request(mcp_standin, tmp_path):
    async def body():
        for answer, submits in (("decline", 0), ("cancel", 0), ("accept", 1)):
            asked: list[str] = []
            async with sdk_session(tmp_path, "--confirm-credits-above", "5", server=mcp_standin,
                                   elicitation_callback=sdk_elicitation(answer, asked)) as s:
                r = await s.client.call_tool("generate_image", ARGS)
                assert len(asked) == 1 and "12 credits" in asked[0]
                assert mcp_standin.count("submit") == submits
                assert r.is_error == (answer != "accept")
                # The request went out as elicitation/create with one of the server's own ids.
                asks = [m for m in sent(s.trace) if isinstance(m, dict) and m.get("method") == "elicitation/create"]
                assert len(asks) == 1 and str(asks[0]["id"]).startswith("aitoearn-rpc-")

    run_async(body)


def test_a_client_that_answers_the_elicitation_with_an_error_is_told_to_confirm_by_argument(adapter_factory, mcp_standin, image_dir):
    a, _ = mcp_adapter(adapter_factory, image_dir, "--confirm-credits-above", "5", server=mcp_standin, initialize=False)
    params = init_params()
    params["capabilities"] = {"elicitation": {}}
    expect_result(a.call("initialize", params))
    a.notify("notifications/initialized")
    rid = a.request("tools/call", tool_call("generate_image", ARGS))
    ask = a.wait_until(lambda: next((m for m in a.messages if m.get("method") == "elicitation/create"), None), what="the question")
    a.send({"jsonrpc": "2.0", "id": ask["id"], "error": {"code": -32601, "message": "no UI"}})
    r = expect_result(a.wait_response(rid, timeout=8)[0])
    assert r["isError"] and "confirm_credits 12" in text(r)
    assert mcp_standin.count("submit") == 0
