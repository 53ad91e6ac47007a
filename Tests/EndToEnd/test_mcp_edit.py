"""The MCP face's edit_image tool and list_image_models' kind, driven by the official Python MCP
SDK client (and raw JSON-RPC for MCP Tasks, which the SDK has no client for).

edit_image takes its inputs as absolute paths, file:// URIs or URLs; it runs like generate_image:
the job output schema, a text mirror, resource links, progress, tool errors, task support.
"""

from __future__ import annotations

import base64
import json

import pytest

from mcp_support import *  # noqa: F401,F403

PROMPT = "make the sky darker"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def test_edit_image_is_listed_with_its_schemas_annotations_and_task_support(tmp_path):
    async def body():
        async with sdk_session(tmp_path, *SIM_FAST) as s:
            listed = await s.client.list_tools()
        tools = {t.name: t.model_dump(by_alias=True, exclude_none=True) for t in listed.tools}
        edit = tools["edit_image"]
        schema_check(edit["inputSchema"], "edit_image.inputSchema")
        schema_check(edit["outputSchema"], "edit_image.outputSchema")
        props = edit["inputSchema"]["properties"]
        assert set(props) == {"prompt", "model", "image", "mask", "n", "size", "response_format", "user", "source",
                              "wait_seconds", "include_image_data", "idempotency_key", "confirm_credits"}
        # Strict-mode ready: every argument required, the optional ones nullable (null: unset).
        assert set(edit["inputSchema"]["required"]) == set(props)
        for optional in set(props) - {"prompt", "model", "image"}:
            assert "null" in props[optional]["type"], (optional, props[optional])
        assert edit["inputSchema"]["additionalProperties"] is False
        assert edit["outputSchema"] == tools["generate_image"]["outputSchema"]
        assert "absolute path" in props["image"]["description"] and "URL" in props["image"]["description"]
        assert edit["annotations"] == {"title": "Edit image", "readOnlyHint": False, "destructiveHint": False,
                                       "idempotentHint": False, "openWorldHint": True}
        assert edit["execution"]["taskSupport"] == "optional"
        # The inputs the schema accepts: a non-empty array of strings (the tool takes one string too).
        unset = {k: None for k in props}
        validate_against({**unset, "prompt": "p", "model": "m", "image": ["/a.png", "https://x/b.png"]}, edit["inputSchema"], "args")
        with pytest.raises(AssertionError):
            validate_against({**unset, "prompt": "p", "model": "m", "image": []}, edit["inputSchema"], "args")
        kind = tools["list_image_models"]["inputSchema"]["properties"]["kind"]
        assert kind["enum"] == ["generation", "edit", None] and "default" not in kind

    run_async(body)


def test_edit_image_sends_a_local_file_inline_reports_progress_and_links_the_result(tmp_path, mcp_standin, image_dir):
    png = random_png(16, 16, seed=7)
    picture = tmp_path / "harbour.png"
    picture.write_bytes(png)

    async def body():
        progress: list = []

        async def on_progress(p, total, message):
            progress.append((p, message))

        async with sdk_session(tmp_path, server=mcp_standin, image_dir=image_dir) as s:
            r = await s.client.call_tool("edit_image", {"prompt": PROMPT, "model": "gpt-image-1", "image": str(picture),
                                                        "mask": picture.as_uri()},
                                         progress_callback=on_progress)
            schema = (await s.tools())["edit_image"].output_schema
        assert not r.is_error, r
        [sent] = mcp_standin.requests_for("edit")
        assert sent.json == {"prompt": PROMPT, "model": "gpt-image-1", "image": data_uri(png), "mask": data_uri(png)}
        sc = structured(r)
        validate_against(sc, schema, "edit_image structuredContent")
        assert sc["logId"] == sent.log_id and sc["status"] == "success"
        upstream = [img["url"] for img in mcp_standin.last_served(sent.log_id)["images"]]
        assert [str(l.uri) for l in links(r)] == upstream == [img["url"] for img in sc["images"]]
        for l in links(r):
            check_png_uri(str(l.uri))
        assert json.loads(r.content[0].text) == sc, "the text mirrors structuredContent"
        assert base64.b64encode(png).decode()[:40] not in json.dumps(r.model_dump(mode="json")), \
            "the input does not come back"
        assert_strictly_increasing([p for p, _ in progress])
        assert "submit" in progress[0][1].lower() and sent.log_id in progress[0][1]

    run_async(body)


def test_edit_image_on_the_simulator_saves_a_new_picture_that_depends_on_the_input(tmp_path, image_dir):
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    one.write_bytes(random_png(8, 8, seed=1))
    two.write_bytes(random_png(8, 8, seed=2))

    async def body():
        async with sdk_session(tmp_path, *SIM_FAST, image_dir=image_dir) as s:
            got = []
            for f in (one, two):
                r = await s.client.call_tool("edit_image", {"prompt": PROMPT, "model": "sim-edit-single",
                                                            "image": f.as_uri(), "response_format": "b64_json"})
                assert not r.is_error, r
                [link] = links(r)
                got.append(check_png_uri(str(link.uri), inside=image_dir))
            r = await s.client.call_tool("list_image_models", {"kind": "edit"})
        assert got[0] != got[1], "other input bytes, another picture"
        assert [m["name"] for m in structured(r)["models"]] == ["sim-edit", "sim-edit-single"]
        assert [m["maxInputImages"] for m in structured(r)["models"]] == [4, 1]

    run_async(body)


def test_list_image_models_kind_chooses_the_list(tmp_path, mcp_standin):
    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            generation = await s.client.call_tool("list_image_models", {})
            edit = await s.client.call_tool("list_image_models", {"kind": "edit"})
            bad = await s.client.call_tool("list_image_models", {"kind": "edits"})
        assert structured(generation)["models"] == mcp_standin.models
        assert structured(edit)["models"] == mcp_standin.edit_models
        assert bad.is_error is True and names_field(text_of(bad.content), "kind")
        assert [r.endpoint for r in mcp_standin.requests] == ["models", "edit_models"]

    run_async(body)


@pytest.mark.parametrize("arguments,bad", [
    ({"prompt": PROMPT, "model": "gpt-image-1", "image": "harbour.png"}, ["image"]),
    ({"prompt": PROMPT, "model": "gpt-image-1", "image": ["https://x.example/a.png", "/no/such/file.png"],
      "n": 2}, ["image[1]", "n"]),
    ({"prompt": PROMPT, "model": "gpt-image-1"}, ["image"]),
    ({"prompt": PROMPT, "model": "gpt-image-1", "image": "https://x.example/a.png", "imgae": "x"}, ["imgae"]),
], ids=["relative-path", "missing-file+n2", "no-image", "unknown-field"])
def test_invalid_arguments_are_a_tool_error_naming_each_with_no_request(tmp_path, mcp_standin, arguments, bad):
    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            r = await s.client.call_tool("edit_image", arguments)
        assert r.is_error is True, r
        text = text_of(r.content)
        missing = [f for f in bad if f not in text]
        assert not missing, f"the error does not name {missing}: {text!r}"
        assert mcp_standin.requests == [], "arguments are checked before any HTTP request"

    run_async(body)


def test_too_many_inputs_for_the_model_is_a_tool_error_before_anything_is_billed(tmp_path, mcp_standin):
    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            r = await s.client.call_tool("edit_image", {"prompt": PROMPT, "model": "doubao-seededit-3-0",
                                                        "image": ["https://x.example/a.png", "https://x.example/b.png"]})
        assert r.is_error is True
        assert "at most 1 input image" in text_of(r.content)
        assert mcp_standin.count("edit_models") == 1 and mcp_standin.count("edit") == 0

    run_async(body)


def test_a_failed_edit_and_a_413_are_tool_errors_the_agent_can_act_on(tmp_path, mcp_standin):
    async def body():
        async with sdk_session(tmp_path, server=mcp_standin) as s:
            failed = await s.client.call_tool("edit_image", {"prompt": PROMPT, "model": "gpt-image-1",
                                                             "image": mcp_standin.image_url("missing.png")})
            mcp_standin.inject("edit", "http_html", status=413)
            refused = await s.client.call_tool("edit_image", {"prompt": PROMPT, "model": "gpt-image-1",
                                                              "image": data_uri(random_png(8, 8))})
            follow = await s.client.call_tool("get_task_status", {"logId": structured(failed)["logId"]})
        assert failed.is_error is True
        sc = structured(failed)
        assert sc["status"] == "failed" and sc["errorMessage"].startswith("Failed to fetch image")
        assert refused.is_error is True
        text = text_of(refused.content)
        assert "HTTP 413" in text and "URLs" in text
        assert not follow.is_error and structured(follow)["status"] == "failed"
        assert mcp_standin.count("edit") == 2

    run_async(body)


def test_a_task_augmented_edit_runs_as_an_mcp_task(adapter_factory, mcp_standin, image_dir, tmp_path):
    picture = tmp_path / "in.png"
    picture.write_bytes(random_png(8, 8))
    a, _ = mcp_adapter(adapter_factory, image_dir, server=mcp_standin)
    created = expect_result(a.call("tools/call", tool_call("edit_image", {"prompt": PROMPT, "model": "gpt-image-1",
                                                                          "image": str(picture)},
                                                           task={"ttl": 60000}), timeout=2))
    task = created["task"]
    assert task["status"] == "working"
    result = expect_result(a.call("tasks/result", {"taskId": task["taskId"]}, timeout=10))
    assert result["_meta"][RELATED_TASK] == {"taskId": task["taskId"]}
    assert result["structuredContent"]["status"] == "success"
    assert result["structuredContent"]["logId"] == mcp_standin.requests_for("edit")[0].log_id
    done = expect_result(a.call("tasks/get", {"taskId": task["taskId"]}))
    assert done["status"] == "completed"
