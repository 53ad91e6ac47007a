"""The MCP face driven by the official Python MCP SDK client over stdio (issue 5, "Done when" 1).

The SDK's Client probes server/discover first; the adapter refuses it with -32601 and the
client falls back to initialize. Every session also gets --trace-file, from which the tests
read what went over the wire (request ids, responses never sent, no LSP-face notifications).
"""

from __future__ import annotations

import base64
import json
import re
import time

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from mcp_support import *  # noqa: F401,F403

PROMPT = "a red fox in the snow"


def images(result) -> list:
    return [c for c in result.content if isinstance(c, types.ImageContent)]


def check_text_mirror(result) -> None:
    """The structured result is mirrored as JSON in a text block (MCP: SHOULD, for old clients)."""
    texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    mirrors = []
    for t in texts:
        try:
            mirrors.append(json.loads(t))
        except ValueError:
            pass
    assert result.structured_content in mirrors, f"no text block mirrors structuredContent: {texts!r}"


async def output_schema(s: SdkSession, tool: str) -> dict:
    schema = (await s.tools())[tool].output_schema
    assert isinstance(schema, dict), f"{tool} declares no outputSchema"
    return schema


# ---------------------------------------------------------------------------
# initialize and tools/list
# ---------------------------------------------------------------------------


def test_sdk_legacy_client_negotiates_the_latest_handshake_version(tmp_path):
    """A 2025-11-25 client (the SDK in legacy mode) works unchanged beside 2026-07-28 ones."""
    async def body():
        t0 = time.monotonic()
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            connected = time.monotonic() - t0
            c = s.client
            assert c.protocol_version == LATEST
            assert c.server_info is not None and c.server_info.name == "aitoearn-rpc" and c.server_info.version
            caps = c.server_capabilities.model_dump(by_alias=True, exclude_none=True)
            assert "tools" in caps, caps
            assert "logging" in caps, caps
            tasks = caps.get("tasks")
            assert tasks is not None, f"no tasks capability at {LATEST}: {caps}"
            assert "list" in tasks and "cancel" in tasks, tasks
            assert "call" in (tasks.get("requests") or {}).get("tools", {}), tasks
            assert isinstance(c.instructions, str) and "get_task_status" in c.instructions
            await round_trip(c)
            trace = s.trace
        got = received(trace)
        assert got[0]["method"] == "initialize", got[:2]
        assert connected < 3, f"connecting took {connected:.1f}s"

    run_async(body)


def test_tools_list_has_every_tool_with_valid_schemas_and_annotations(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            listed = await s.client.list_tools()
        tools = {t.name: t.model_dump(by_alias=True, exclude_none=True) for t in listed.tools}
        assert sorted(tools) == sorted(TOOLS)
        for name, tool in tools.items():
            assert isinstance(tool.get("description"), str) and tool["description"].strip(), name
            schema_check(tool["inputSchema"], f"{name}.inputSchema")
            assert tool["inputSchema"].get("type") == "object", name
            assert tool["inputSchema"].get("additionalProperties") is False, \
                f"{name}.inputSchema must set additionalProperties: false"
            assert "outputSchema" in tool, f"{name} declares no outputSchema"
            schema_check(tool["outputSchema"], f"{name}.outputSchema")
            assert tool["outputSchema"].get("type") == "object", name
            ann = tool.get("annotations")
            assert isinstance(ann, dict) and ann, f"{name} has no annotations"
            assert isinstance(ann.get("readOnlyHint"), bool) and isinstance(ann.get("openWorldHint"), bool), ann

        gen = tools["generate_image"]
        props = gen["inputSchema"]["properties"]
        for f in ("prompt", "model", "n", "quality", "response_format", "size", "style", "user", "source",
                  "wait_seconds", "include_image_data"):
            assert f in props, f"generate_image.inputSchema lacks {f}"
        assert set(gen["inputSchema"].get("required", [])) >= {"prompt", "model"}
        assert props["wait_seconds"].get("maximum") == 600
        assert gen["execution"]["taskSupport"] == "optional"
        assert gen["annotations"]["readOnlyHint"] is False

        status = tools["get_task_status"]
        assert set(status["inputSchema"]["properties"]) >= {"logId", "taskId", "wait_seconds", "include_image_data"}
        assert {"logId", "taskId"} <= set(status["inputSchema"].get("required", []))
        assert status["annotations"]["readOnlyHint"] is True
        assert (status.get("execution") or {}).get("taskSupport", "forbidden") == "forbidden"

        models = tools["list_image_models"]
        assert models["annotations"]["readOnlyHint"] is True
        # The image job tools share one output shape: logId, status, images; get_task_status's is
        # that or a video job's (taskId, status, video, cover).
        out = tools["generate_image"]["outputSchema"]
        assert set(out.get("required", [])) >= {"logId", "status", "images"}, out
        out = tools["get_task_status"]["outputSchema"]
        assert "status" in out["required"] and {"logId", "images", "taskId", "video", "cover"} <= set(out["properties"]), out
        video = tools["generate_video"]
        assert set(video["outputSchema"]["required"]) >= {"taskId", "status"}
        assert {"prompt", "model", "mode", "resolution", "ratio", "duration", "image", "image_tail", "wait_seconds",
                "idempotency_key"} <= set(video["inputSchema"]["properties"])
        assert video["execution"]["taskSupport"] == "optional" and video["annotations"]["readOnlyHint"] is False
        assert tools["list_video_models"]["annotations"]["readOnlyHint"] is True

    run_async(body)


def test_list_image_models_returns_the_model_list_as_structured_content(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            r = await s.client.call_tool("list_image_models", {})  # the SDK validates outputSchema
            schema = await output_schema(s, "list_image_models")
        assert not r.is_error
        validate_against(structured(r), schema, "list_image_models structuredContent")
        names = [m.get("name") for m in structured(r)["models"]]
        assert "sim-image" in names, names
        check_text_mirror(r)

    run_async(body)


# ---------------------------------------------------------------------------
# generate_image: progress, structured result, links
# ---------------------------------------------------------------------------


def test_generate_image_reports_progress_and_links_the_services_urls(tmp_path, mcp_standin, image_dir):
    async def body():
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(p, total, message):
            progress.append((p, total, message))

        async with sdk_session(tmp_path, server=mcp_standin, image_dir=image_dir) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "gpt-image-1", "n": 2},
                                         progress_callback=on_progress)
            schema = await output_schema(s, "generate_image")
            trace = s.trace
        assert not r.is_error, r
        log_id = mcp_standin.requests_for("submit")[0].log_id
        sc = structured(r)
        validate_against(sc, schema, "generate_image structuredContent")
        assert sc["logId"] == log_id and sc["status"] == "success"
        upstream = [img["url"] for img in mcp_standin.last_served(log_id)["images"]]
        assert [img.get("url") for img in sc["images"]] == upstream
        assert all(img["mimeType"] == "image/png" for img in sc["images"])
        check_text_mirror(r)

        # One resource link per image, pointing to the service's URL, which serves a PNG.
        ls = links(r)
        assert [str(l.uri) for l in ls] == upstream
        for l in ls:
            assert l.mime_type == "image/png" and l.name
            check_png_uri(str(l.uri))
        assert not images(r), "image data only when include_image_data is set"
        assert not image_dir.exists() or not any(image_dir.iterdir()), "URL images are linked, not saved"

        # Progress: at submission and on every poll; strictly increasing; no total; readable.
        assert len(progress) >= 2, progress
        values = [p for p, _, _ in progress]
        assert_strictly_increasing(values)
        assert all(total is None for _, total, _ in progress), progress
        msgs = [m for _, _, m in progress]
        assert all(isinstance(m, str) and m.strip() for m in msgs), msgs
        assert "submit" in msgs[0].lower() and log_id in msgs[0], msgs
        assert re.search(r"success.*\d+\s*s\b", msgs[-1]), msgs
        # Progress carried the SDK's token: the tools/call request id.
        [rid] = request_ids(trace, "tools/call", lambda p: p.get("name") == "generate_image")
        notes = [m for m in sent(trace) if is_notification(m) and m["method"] == "notifications/progress"]
        assert notes and all(same_id(n["params"]["progressToken"], rid) for n in notes)

    run_async(body)


def test_generate_image_simulator_url_images_link_real_png_files(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image",
                                                            "include_image_data": True})
        assert not r.is_error, r
        sc = structured(r)
        assert sc["status"] == "success" and LOG_ID_RE.match(sc["logId"])
        ls = links(r)
        assert len(ls) == len(sc["images"]) == 1
        assert str(ls[0].uri).startswith("file://")
        check_png_uri(str(ls[0].uri))
        # Asked for data, but the images came as URLs: none is inlined, and the text says why.
        assert not images(r)
        assert re.search(r"url", text_of(r.content), re.I)

    run_async(body)


def test_base64_images_are_saved_into_the_image_dir_and_linked_as_files(tmp_path, image_dir):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST, image_dir=image_dir) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image", "n": 2,
                                                            "response_format": "b64_json"})
        assert not r.is_error, r
        sc = structured(r)
        assert len(sc["images"]) == 2
        ls = links(r)
        assert len(ls) == 2
        for img, link in zip(sc["images"], ls):
            assert str(link.uri).startswith("file://"), link
            check_png_uri(str(link.uri), inside=image_dir)
            assert img.get("path") and (image_dir / img["path"]).resolve().parent == image_dir.resolve()
            assert img.get("url") == str(link.uri)
        assert len({str(l.uri) for l in ls}) == 2, "each image has a file of its own"
        assert not images(r)
        assert "b64_json" not in json.dumps(sc) and len(json.dumps(r.model_dump(mode="json"))) < 10_000, \
            "no base64 in the result unless asked"

    run_async(body)


def test_include_image_data_returns_small_base64_images_inline(tmp_path, image_dir):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST, image_dir=image_dir) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image", "n": 2,
                                                            "response_format": "b64_json",
                                                            "include_image_data": True})
        assert not r.is_error, r
        inline = images(r)
        assert len(inline) == 2, r.content
        total = 0
        saved = [check_png_uri(str(l.uri), inside=image_dir) for l in links(r)]
        for img, file_bytes in zip(inline, saved):
            data = base64.b64decode(img.data, validate=True)
            assert data.startswith(PNG_SIGNATURE) and img.mime_type == "image/png"
            assert data == file_bytes, "the inline image is the saved image"
            total += len(data)
        assert total < INLINE_CAP

    run_async(body)


@pytest.mark.parametrize("sizes", [(600,), (450, 450)], ids=["one-big-image", "two-summing-over-1MB"])
def test_include_image_data_over_1mb_links_only_and_says_so(tmp_path, mcp_standin, image_dir, sizes):
    pngs = [random_png(w, w, seed=i) for i, w in enumerate(sizes)]
    assert sum(len(p) for p in pngs) > INLINE_CAP and all(len(p) > 100_000 for p in pngs)
    mcp_standin.plan_job(images=[{"b64_json": png_b64(p), "url": None} for p in pngs])

    async def body():
        async with sdk_session(tmp_path, server=mcp_standin, image_dir=image_dir) as s:
            # n as many as the job lists: a job never yields more images than it asked for.
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "gpt-image-1", "n": len(pngs),
                                                            "response_format": "b64_json",
                                                            "include_image_data": True})
        assert not r.is_error, r
        assert not images(r), "over the 1 MB cap no image data may be inlined"
        ls = links(r)
        assert len(ls) == len(pngs)
        for png, link in zip(pngs, ls):
            assert check_png_uri(str(link.uri), inside=image_dir) == png
        text = text_of(r.content)
        assert re.search(r"1\s*MB|limit|too (big|large)", text, re.I), f"the text does not say why: {text!r}"
        assert len(json.dumps(r.model_dump(mode="json"))) < 20_000, "no base64 anywhere in the result"

    run_async(body)


# ---------------------------------------------------------------------------
# A slow job: pending, then get_task_status
# ---------------------------------------------------------------------------


def test_short_wait_returns_a_pending_job_then_get_task_status_finishes_it(tmp_path, mcp_standin):
    mcp_standin.plan_job(pending_polls=None)  # runs until finish_job

    async def body():
        progress: list = []

        async def on_progress(p, total, message):
            progress.append((p, message))

        async with sdk_session(tmp_path, server=mcp_standin) as s:
            t0 = time.monotonic()
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "gpt-image-1",
                                                            "wait_seconds": 1})
            waited = time.monotonic() - t0
            schema = await output_schema(s, "generate_image")
            assert not r.is_error, r
            log_id = mcp_standin.requests_for("submit")[0].log_id
            sc = structured(r)
            validate_against(sc, schema, "a pending job's structuredContent")
            assert sc["logId"] == log_id and sc["status"] == "generating" and sc["images"] == []
            text = text_of(r.content)
            assert "get_task_status" in text and log_id in text, text
            assert not links(r)
            assert 0.8 <= waited < 2.5, f"wait_seconds=1 returned after {waited:.2f}s"

            # Without wait_seconds, get_task_status answers at once with the running status.
            r = await s.client.call_tool("get_task_status", {"logId": log_id})
            assert not r.is_error and structured(r)["status"] == "generating", r
            assert "get_task_status" in text_of(r.content)

            # With wait_seconds it follows the job to its end (which comes while it waits).
            polls_before = mcp_standin.count("status")
            async with anyio.create_task_group() as tg:
                done: list = []

                async def follow():
                    done.append(await s.client.call_tool("get_task_status", {"logId": log_id, "wait_seconds": 10},
                                                         progress_callback=on_progress))

                tg.start_soon(follow)
                await wait_standin(mcp_standin, "status", polls_before + 1, answered=True)
                assert not done, "get_task_status returned while the job was still running"
                finish_job(mcp_standin, log_id)
            r = done[0]
            status_schema = await output_schema(s, "get_task_status")
        assert not r.is_error, r
        sc = structured(r)
        validate_against(sc, status_schema, "get_task_status structuredContent")
        assert sc["logId"] == log_id and sc["status"] == "success"
        assert len(links(r)) == len(sc["images"]) >= 1
        for l in links(r):
            check_png_uri(str(l.uri))
        assert mcp_standin.count("submit") == 1, "get_task_status must not submit anything"
        assert_strictly_increasing([p for p, _ in progress])
        assert any("generating" in (m or "") for _, m in progress), progress

    run_async(body)


# ---------------------------------------------------------------------------
# A failed job
# ---------------------------------------------------------------------------


def test_a_failed_job_is_an_error_from_generate_image_and_a_result_from_get_task_status(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image-fail"})
            schema = await output_schema(s, "generate_image")
            assert r.is_error is True, r
            sc = structured(r)
            validate_against(sc, schema, "a failed job's structuredContent")
            assert sc["status"] == "failed" and LOG_ID_RE.match(sc["logId"])
            reason = sc.get("errorMessage")
            assert isinstance(reason, str) and reason.strip(), sc
            assert reason in text_of(r.content), "the agent must see errorMessage in the text"

            r2 = await s.client.call_tool("get_task_status", {"logId": sc["logId"]})  # validated by the SDK
            assert not r2.is_error, r2
            sc2 = structured(r2)
            assert sc2["logId"] == sc["logId"] and sc2["status"] == "failed"
            assert sc2.get("errorMessage") == reason

    run_async(body)


def test_service_errors_are_tool_errors_the_agent_can_read(tmp_path, mcp_standin):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "sim-image-broke"})
        assert r.is_error is True, r
        assert re.search(r"credit", text_of(r.content), re.I), r.content

        async with sdk_session(tmp_path, server=mcp_standin, key=None) as s:
            r = await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"})
        assert r.is_error is True, r
        assert re.search(r"API key", text_of(r.content), re.I), r.content
        assert mcp_standin.count("submit") == 0, "no key: no HTTP request"

    run_async(body)


# ---------------------------------------------------------------------------
# Client-side timeout and cancellation
# ---------------------------------------------------------------------------


def test_a_client_timeout_stops_polling_and_the_call_is_never_answered(tmp_path, mcp_standin):
    mcp_standin.plan_job(pending_polls=None)  # would be polled forever

    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            with pytest.raises(MCPError) as info:
                await s.client.call_tool("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"},
                                         read_timeout_seconds=0.5)
            assert info.value.code == types.REQUEST_TIMEOUT, info.value
            [submit] = await wait_standin(mcp_standin, "submit", answered=True)
            # The first poll was due FIRST_POLL_S after the submission: watch past it.
            await quiet_until(submit.answered_time + FIRST_POLL_S + QUIET_MARGIN_S)
            assert mcp_standin.count("status") == 0, \
                f"the adapter went on polling after the client gave up: {mcp_standin.requests_for('status')!r}"
            await round_trip(s.client)  # the adapter is alive, and the trace is complete up to here
            trace = s.trace
        [rid] = request_ids(trace, "tools/call")
        cancels = [m for m in received(trace) if is_notification(m) and m["method"] == "notifications/cancelled"]
        assert any(same_id(c["params"]["requestId"], rid) for c in cancels), "the SDK sent no notifications/cancelled"
        assert_no_response_in_trace(trace, rid)

    run_async(body)


def test_cancelling_the_call_after_polling_began_stops_polling_and_sends_no_response(tmp_path, mcp_standin):
    mcp_standin.plan_job(pending_polls=None)

    async def body():
        progress: list = []

        async def on_progress(p, total, message):
            progress.append(p)

        async with sdk_session(tmp_path, server=mcp_standin) as s:
            outcome: list = []
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    async def call():
                        outcome.append(await s.client.call_tool(
                            "generate_image", {"prompt": PROMPT, "model": "gpt-image-1"},
                            progress_callback=on_progress))

                    tg.start_soon(call)
                    [first] = await wait_standin(mcp_standin, "status", 1, answered=True)
                    scope.cancel()
            assert scope.cancelled_caught and not outcome
            # The next poll was due NEXT_POLL_GAP_S after the first: watch past it.
            await quiet_until(first.answered_time + NEXT_POLL_GAP_S + QUIET_MARGIN_S)
            assert mcp_standin.count("status") == 1, \
                f"polling went on after the cancel: {mcp_standin.requests_for('status')!r}"
            await round_trip(s.client)
            trace = s.trace
        assert progress, "progress arrived before the cancel"
        [rid] = request_ids(trace, "tools/call")
        cancels = [m for m in received(trace) if is_notification(m) and m["method"] == "notifications/cancelled"]
        assert any(same_id(c["params"]["requestId"], rid) for c in cancels)
        assert_no_response_in_trace(trace, rid)

    run_async(body)


# ---------------------------------------------------------------------------
# Invalid arguments and unknown tools
# ---------------------------------------------------------------------------

BAD_CALLS = [
    pytest.param("generate_image", {"prompt": "", "model": "gpt-image-1", "n": 11, "modle": "gpt-image-1"},
                 ["prompt", "n", "modle"], id="empty-prompt+n11+unknown-modle"),
    pytest.param("generate_image", {"prompt": PROMPT}, ["model"], id="missing-model"),
    pytest.param("generate_image", {"prompt": PROMPT, "model": "gpt-image-1", "wait_seconds": 601,
                                    "include_image_data": "yes", "response_format": "png"},
                 ["wait_seconds", "include_image_data", "response_format"], id="adapter-options"),
    pytest.param("generate_image", {"prompt": PROMPT, "model": "gpt-image-1", "responseFormat": "url",
                                    "wait": True}, ["responseFormat", "wait"], id="unknown-names"),
    pytest.param("get_task_status", {"logId": "not-a-log-id", "wait_seconds": -1, "wait": True},
                 ["logId", "wait_seconds", "wait"], id="status"),
    pytest.param("get_task_status", {}, ["logId"], id="status-missing-logId"),
    pytest.param("list_image_models", {"verbose": True}, ["verbose"], id="models-unknown"),
]


@pytest.mark.parametrize("tool,arguments,bad", BAD_CALLS)
def test_invalid_or_unknown_arguments_are_a_tool_error_naming_each(tmp_path, mcp_standin, tool, arguments, bad):
    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            r = await s.client.call_tool(tool, arguments)
        assert r.is_error is True, f"{tool}({arguments}) was accepted: {r!r}"
        text = text_of(r.content)
        missing = [f for f in bad if not names_field(text, f)]
        assert not missing, f"the error does not name {missing}: {text!r}"
        assert mcp_standin.requests == [], "arguments are checked before any HTTP request"

    run_async(body)


def test_an_unknown_tool_is_a_jsonrpc_invalid_params_error(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            with pytest.raises(MCPError) as info:
                await s.client.call_tool("generate_images", {"prompt": PROMPT})
            assert info.value.code == types.INVALID_PARAMS, info.value
            assert "generate_images" in str(info.value)
            # The session goes on.
            r = await s.client.call_tool("list_image_models", {})
            assert not r.is_error

    run_async(body)
