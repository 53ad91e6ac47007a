"""Tool input schemas that strict model providers take (issue "Conformance to the letter", 3):
no `default`, no `oneOf`, every optional argument nullable and listed as required, checked with
openai-agents' and pydantic-ai's own strict conversions; and a strict call, every optional
argument null, succeeds on the simulator."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rpc
from mcp_support import SIM_FAST, expect_result, mcp_adapter
from standin import make_png

TOOLS = ["generate_image", "edit_image", "get_task_status", "list_image_models", "generate_video", "list_video_models", "list_jobs"]


def framework_python(name):
    sys.path.insert(0, str(rpc.REPO / "scripts"))
    import testenv

    try:
        return testenv.framework_python(name)
    except testenv.Unavailable as e:
        pytest.skip(f"{name} could not be installed: {e}")


def tools(adapter_factory, tmp_path):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", *SIM_FAST)
    return a, expect_result(a.call("tools/list"))


@pytest.mark.parametrize("framework", ["openai_agents", "pydantic_ai"])
def test_every_tool_schema_stays_strict_under_the_framework_conversion(adapter_factory, tmp_path, framework):
    _, listed = tools(adapter_factory, tmp_path)
    run = subprocess.run([str(framework_python(framework)), str(rpc.REPO / "Tests" / "EndToEnd" / "strict" / "convert.py"), framework],
                         input=json.dumps(listed), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    verdicts = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert sorted(verdicts) == sorted(TOOLS), run.stdout
    assert all(v.startswith("strict") for v in verdicts.values()), run.stdout


def test_schemas_have_no_default_and_no_one_of_and_list_every_property(adapter_factory, tmp_path):
    _, listed = tools(adapter_factory, tmp_path)
    for tool in listed["tools"]:
        schema = tool["inputSchema"]
        text = json.dumps(schema)
        assert '"default"' not in text and '"oneOf"' not in text, tool["name"]
        assert sorted(schema["required"]) == sorted(schema["properties"]), tool["name"]
        assert schema["additionalProperties"] is False


def nulls(tool, **given):
    """Every argument of `tool` null, but those given: what a strict-mode model sends."""
    return {**{k: None for k in tool["inputSchema"]["properties"]}, **given}


def test_a_strict_call_with_every_optional_argument_null_succeeds(adapter_factory, tmp_path):
    a, listed = tools(adapter_factory, tmp_path)
    by_name = {t["name"]: t for t in listed["tools"]}
    picture = tmp_path / "in.png"
    picture.write_bytes(make_png())

    def call(name, **given):
        r = expect_result(a.call("tools/call", {"name": name, "arguments": nulls(by_name[name], **given)}, timeout=10))
        assert not r.get("isError"), r
        return r["structuredContent"]

    job = call("generate_image", prompt="a red fox", model="sim-image")
    assert job["status"] == "success" and job["images"]
    assert call("get_task_status", logId=job["logId"])["status"] == "success"
    edited = call("edit_image", prompt="make it blue", model="sim-edit", image=[str(picture)])
    assert edited["status"] == "success"
    assert call("list_image_models")["models"]
    video = call("generate_video", prompt="a paper boat", model="sim-video")
    assert str(video["status"]).upper() == "SUCCESS", video
    assert call("get_task_status", taskId=video["taskId"])["status"].upper() == "SUCCESS"
    assert call("list_video_models")["models"]
