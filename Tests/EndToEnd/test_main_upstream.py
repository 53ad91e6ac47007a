"""The service as its source really behaves (UPSTREAM.md; issue 21, Done-when 4): a schema
rejection is code 400, an image URL may be null or a bare storage key, a present-but-invalid key
is refused on the model lists too, and every request carries Accept-Language."""

from __future__ import annotations

from main_support import *  # noqa: F401,F403
from mcp_support import call_tool_raw, mcp_adapter
from standin import Standin

BARE_KEY = "65f0c0ffee0123456789abcd/ai/images/2026/12/04/65f0c0ffee0123456789abce.png"


def odd_images(server):
    good = f"{server.base_url}/images/fine-0.png"
    return [{"url": None, "revised_prompt": "null url"}, {"url": BARE_KEY}, {"url": "https:///no-host.png"}, {"url": good}]


def test_a_schema_rejection_is_code_400_said_as_rejected_parameters(adapter_factory, standin):
    standin.inject("submit", "business", code=400, message="Bad request")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen()), -32010)
    assert err["data"]["upstreamCode"] == 400 and err["data"]["upstreamMessage"] == "Bad request"
    assert "rejected the request's parameters" in err["message"]
    assert_english(err, "Bad request")


def test_null_url_and_bare_storage_key_are_a_save_error_naming_the_image_and_nothing_else_is_asked(
        adapter_factory, standin, tmp_path):
    for i, images in enumerate(([{"url": None}], [{"url": BARE_KEY}], [{"url": "https:///no-host.png"}])):
        standin.plan_job(pending_polls=0, images=images)
        a = start_adapter(adapter_factory, standin)
        err = expect_error(a.call("image.generate", gen(saveTo=str(tmp_path / str(i)))), -32015)
        reason = err["data"]["reason"]
        assert reason.startswith("image 1: "), reason
        assert ("null" in reason) if i == 0 else ("not an absolute http(s) URL" in reason), reason
        assert err["data"]["task"]["status"] == "success" and LOG_ID_RE.match(err["data"]["logId"])
        assert not list((tmp_path / str(i)).glob("*.png"))
    # Never resolved against the base URL (or any host): nothing but the API was asked.
    assert {r.endpoint for r in standin.requests} <= {"submit", "status"}, {r.endpoint for r in standin.requests}


def test_without_save_to_such_images_are_returned_verbatim(adapter_factory, standin):
    standin.plan_job(pending_polls=0, images=odd_images(standin))
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=4)))
    assert result["images"][0]["url"] is None and result["images"][1]["url"] == BARE_KEY


def test_mcp_lists_an_image_without_a_link_with_its_reason(adapter_factory, standin, tmp_path):
    standin.pending_polls = 0
    standin.plan_job(pending_polls=0, images=odd_images(standin))
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=standin, key=KEY)
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": "a fox", "model": "gpt-image-1", "n": 4}))
    assert not r.get("isError")
    images = r["structuredContent"]["images"]
    assert len(images) == 4
    for entry in images[:3]:
        assert "url" not in entry and entry["reason"].startswith("No link: "), entry
    assert "null" in images[0]["reason"] and "not an absolute http(s) URL" in images[1]["reason"]
    assert images[3]["url"].endswith("/images/fine-0.png") and "reason" not in images[3]
    uris = [c["uri"] for c in r["content"] if c["type"] == "resource_link"]
    assert uris == [images[3]["url"]]
    assert "3 of the images cannot be fetched" in r["structuredContent"]["message"]
    assert standin.count("other") == 0


def test_a_present_but_invalid_key_is_refused_on_the_model_lists_and_said_so(adapter_factory, standin):
    standin.api_key = "sk-the-right-one"
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("initialize", {"processId": None, "capabilities": {}}))
    for method, params in (("image.models", None), ("image.models", {"kind": "edit"}), ("video.models", None)):
        err = expect_error(a.call(method, params), -32001)
        assert err["data"]["upstreamCode"] == 401
        assert "API key was rejected" in err["message"] and "valid key" in err["message"]
    note = wait_note(a, "status.changed", lambda p: p.get("kind") == "error")["params"]
    assert note["action"] == "set-api-key"
    # Without a key the lists are public.
    b = start_adapter(adapter_factory, standin, key=None)
    assert expect_result(b.call("image.models")) == standin.models


def test_every_request_carries_accept_language(adapter_factory, standin, tmp_path):
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin, "--max-credits", "1000")
    expect_result(a.call("initialize", {"capabilities": {}, "locale": "zh-CN"}))
    expect_result(a.call("image.generate", gen(dryRun=True)))
    done = expect_result(a.call("image.generate", gen()))
    expect_result(a.call("task.status", {"logId": done["logId"]}))
    expect_result(a.call("image.edit", {"prompt": "darker", "model": "gpt-image-1", "image": f"{standin.base_url}/images/x.png",
                                        "pollIntervalMs": 10}))
    expect_result(a.call("video.generate", {"prompt": "a fox running", "model": "standin-video", "pollIntervalMs": 10}))
    expect_result(a.call("video.models"))
    api = [r for r in standin.requests if r.endpoint not in ("image", "video")]
    assert {r.endpoint for r in api} >= {"models", "submit", "status", "edit_models", "edit", "video_models", "video_submit",
                                         "video_status"}
    for r in api:
        assert r.headers.get_all("Accept-Language") == ["zh-CN"], (r, r.headers)
