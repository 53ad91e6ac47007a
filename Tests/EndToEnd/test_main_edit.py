"""image.edit against the stand-in service (docs/protocol.md §4 "image.edit", README "Editing").

Inputs reach the service in the right form (local files and file:// URIs as data URIs, URLs and
data URIs as written), every local rule is -32602 naming its field with no HTTP request, the
input count is checked against the model's maxInputImages, an HTTP 413 says to pass URLs, and
an edit job with 9 MB of inline input (its every status about 12 MB) completes and is saved.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.parse
from pathlib import Path

import pytest

from rpc import same_id
from standin import PNG_SIGNATURE, make_png, png_for
from standin import noise_png as _noise_png
from main_support import *  # noqa: F401,F403

MAX_FILE = 11 * 1024 * 1024        # ImageInput.maxFileBytes
MAX_INLINE = 15 * 1024 * 1024      # EditRequest.maxInlineBytes
REPLY_CAP = 8 * 1024 * 1024        # HTTPRequest.defaultMaxResponseBytes
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + bytes(24)


def edit(**kw) -> dict:
    """image.edit params with a short poll interval."""
    params = {"prompt": "make the sky darker", "model": "gpt-image-1", "pollIntervalMs": 10}
    params.update(kw)
    return {k: v for k, v in params.items() if v is not ...}


def noise_png(width: int, height: int, seed: int = 1) -> bytes:
    """A valid PNG of noise, stored uncompressed: it is about 3*w*h bytes."""
    return _noise_png(width, height, seed, level=0)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def padded_png(path: Path, size: int) -> Path:
    """A file of `size` bytes that starts like a PNG (sparse: the rest reads as zeros)."""
    with open(path, "wb") as f:
        f.write(make_png())
        f.truncate(size)
    return path


def data_uri(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode("ascii")


def shortened(uri: str) -> str:
    """How the adapter returns an echoed data URI (README: echoed inline inputs are not repeated)."""
    head, _, data = uri.partition(",")
    return f"{head},… ({len(data)} characters not repeated)"


def edit_bodies(server: Standin) -> list:
    return [r.json for r in server.requests_for("edit")]


def expect_invalid(a: Adapter, params: dict, server: Standin) -> dict:
    """-32602 with no HTTP request at all; returns {path: message}."""
    err = expect_error(a.call("image.edit", params, timeout=10), -32602)
    assert_no_http(server)
    assert_english(err)
    return {e["path"]: e["message"] for e in err["data"]["errors"]}


# ---------------------------------------------------------------------------
# The forms of the inputs
# ---------------------------------------------------------------------------


def test_a_local_png_path_is_sent_as_a_data_uri_and_the_job_is_followed_to_its_end(adapter_factory, standin, tmp_path,
                                                                                      framing):
    png = write(tmp_path / "sky.png", noise_png(8, 8))
    standin.pending_polls = 1
    a = start_adapter(adapter_factory, standin, framing=framing)
    rid = a.request("image.edit", edit(image=str(png), size="1024x1024", workDoneToken="tok-edit"))
    resp, _ = a.wait_response(rid, timeout=10)
    result = expect_result(resp)
    sent = data_uri(png.read_bytes())
    # Only the service's fields go upstream, the file as a PNG data URI.
    assert edit_bodies(standin) == [{"prompt": "make the sky darker", "model": "gpt-image-1", "image": sent,
                                     "size": "1024x1024"}]
    assert standin.requests_for("edit")[0].headers["X-Api-Key"] == KEY
    served = standin.last_served(result["logId"])
    assert served["request"]["image"] == sent
    # The final TaskStatus, verbatim but for the echoed inline input, which is not repeated.
    assert result["request"]["image"] == shortened(sent)
    assert {k: v for k, v in result.items() if k != "request"} == {k: v for k, v in served.items() if k != "request"}
    assert {k: v for k, v in result["request"].items() if k != "image"} == \
        {k: v for k, v in served["request"].items() if k != "image"}
    assert result["status"] == "success" and len(result["images"]) == 1
    # The same notifications as image.generate.
    assert [p["poll"] for p in progress_of(a, rid)] == [0, 1, 2]
    kinds = [p["value"]["kind"] for p in notes_for(a, "$/progress") if p["token"] == "tok-edit"]
    assert kinds[0] == "begin" and kinds[-1] == "end" and set(kinds[1:-1]) == {"report"}
    begin = next(p["value"] for p in notes_for(a, "$/progress") if p["value"]["kind"] == "begin")
    assert begin["title"] == "Editing image"
    assert sent[30:90] not in messages_text(a), "the inline input came back to the client"
    validate_result("image.edit", result)


@pytest.mark.parametrize("name,content,media", [
    ("my sky #1.png", make_png(6, 6, (10, 20, 30)), "image/png"),
    ("photo.jpg", JPEG_HEAD, "image/jpeg"),
    ("pic.webp", WEBP_HEAD, "image/webp"),
    ("no-extension", make_png(3, 3), "image/png"),
])
def test_a_file_uri_is_read_and_typed_by_its_bytes(adapter_factory, standin, tmp_path, name, content, media):
    f = write(tmp_path / "in put" / name, content)
    a = start_adapter(adapter_factory, standin)
    uri = f.as_uri()  # percent-encoded: "in%20put", "%231"
    assert "%20" in uri
    expect_result(a.call("image.edit", edit(image=uri), timeout=10))
    assert edit_bodies(standin)[0]["image"] == data_uri(content, media)


def test_urls_and_data_uris_are_sent_as_written_in_the_callers_order(adapter_factory, standin, tmp_path):
    local = write(tmp_path / "a.png", noise_png(8, 8, seed=3))
    url = standin.image_url("inputs/b.png?size=large&v=2")
    inline = data_uri(noise_png(12, 12, seed=2))
    mask = write(tmp_path / "mask.png", make_png(5, 5, (0, 0, 0)))
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.edit", edit(image=[str(local), url, inline, local.as_uri()],
                                                     mask=str(mask)), timeout=10))
    body = edit_bodies(standin)[0]
    assert body["image"] == [data_uri(local.read_bytes()), url, inline, data_uri(local.read_bytes())]
    assert body["mask"] == data_uri(mask.read_bytes())
    # URLs and short data URIs come back as the service echoed them; long ones shortened.
    echoed = result["request"]["image"]
    assert echoed == [shortened(body["image"][0]), url, shortened(inline), shortened(body["image"][3])]


def test_a_single_url_stays_a_string_and_n_1_is_sent(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    url = standin.image_url("fox.png")
    result = expect_result(a.call("image.edit", edit(image=url, n=1, response_format="b64_json", user="u-1",
                                                     source="plugin"), timeout=10))
    assert edit_bodies(standin) == [{"prompt": "make the sky darker", "model": "gpt-image-1", "image": url, "n": 1,
                                     "response_format": "b64_json", "user": "u-1", "source": "plugin"}]
    assert result == standin.last_served(result["logId"])  # nothing inline: verbatim
    assert base64.b64decode(result["images"][0]["b64_json"]).startswith(PNG_SIGNATURE)


def test_different_inputs_give_different_pictures(adapter_factory, standin, tmp_path):
    one = write(tmp_path / "1.png", make_png(4, 4, (1, 1, 1)))
    two = write(tmp_path / "2.png", make_png(4, 4, (2, 2, 2)))
    a = start_adapter(adapter_factory, standin)
    got = []
    for f in (one, two, one):
        r = expect_result(a.call("image.edit", edit(image=str(f), response_format="b64_json"), timeout=10))
        got.append(base64.b64decode(r["images"][0]["b64_json"]))
    assert got[0] != got[1] and got[0] != got[2]  # another job, another picture; other input, other too
    assert all(g.startswith(PNG_SIGNATURE) for g in got)


# ---------------------------------------------------------------------------
# Local validation: -32602 naming the field, no HTTP request
# ---------------------------------------------------------------------------


def bad_inputs(tmp_path: Path) -> list:
    text = write(tmp_path / "notes.txt", b"just some text\n")
    gif = write(tmp_path / "anim.gif", b"GIF89a" + bytes(20))
    big = padded_png(tmp_path / "big.png", MAX_FILE + 1)
    (tmp_path / "folder.png").mkdir()
    return [
        ("sky.png", "relative path"),
        ("~/sky.png", "relative path"),
        ("./sky.png", "relative path"),
        (str(tmp_path / "folder.png"), "directory"),
        (str(text), "not a PNG, JPEG or WebP image"),
        (str(gif), "not a PNG, JPEG or WebP image"),
        (str(tmp_path / "missing.png"), "does not exist"),
        (str(big), "11 MB"),
        ((tmp_path / "missing.png").as_uri(), "does not exist"),
        ("file://otherhost/x.png", "another host"),
        ("ftp://example.com/x.png", "ftp"),
        ("data:image/png;base64,@@@", "not valid base64"),
        ("data:image/png;base64," + base64.b64encode(b"plain text").decode(), "not a PNG, JPEG or WebP image"),
        ("data:text/plain;base64,aGk=", "of an image"),
        ("data:image/png," + "x" * 10, "base64 data URI"),
        ("https://", "not a valid http(s) URL"),
        ("", "must not be empty"),
    ]


def test_each_bad_input_is_32602_naming_its_field_with_no_http_request(adapter_factory, standin, tmp_path):
    a = start_adapter(adapter_factory, standin)
    cases = bad_inputs(tmp_path)
    for value, words in cases:
        errors = expect_invalid(a, edit(image=value), standin)
        assert list(errors) == ["image"], (value, errors)
        assert words in errors["image"], (value, errors)
        errors = expect_invalid(a, edit(image=standin.image_url("ok.png"), mask=value), standin)
        assert list(errors) == ["mask"] and words in errors["mask"], (value, errors)
    # In an array, each entry is named by its index; every one is reported at once.
    errors = expect_invalid(a, edit(image=[standin.image_url("ok.png")] + [v for v, _ in cases]), standin)
    assert sorted(errors) == sorted(f"image[{i + 1}]" for i in range(len(cases)))
    for i, (_, words) in enumerate(cases):
        assert words in errors[f"image[{i + 1}]"], (i, errors)


def test_a_relative_path_message_says_what_to_do(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    message = expect_invalid(a, edit(image="images/sky.png"), standin)["image"]
    assert message.startswith("is a relative path (images/sky.png): give an absolute path or a file:// URI")


@pytest.mark.parametrize("params,path,words", [
    ({"image": []}, "image", "at least one"),
    ({"image": ["https://x.example/a.png", 3]}, "image[1]", "must be a string"),
    ({"image": {"url": "https://x.example/a.png"}}, "image", "a string or an array of strings"),
    ({"image": ...}, "image", "is required"),
    ({"image": "https://x.example/a.png", "n": 2}, "n", "must be 1"),
    ({"image": "https://x.example/a.png", "n": 1.5}, "n", "integer 1"),
    ({"image": "https://x.example/a.png", "mask": 7}, "mask", "must be a string"),
    ({"image": "https://x.example/a.png", "prompt": "🦊" * 2000 + "a"}, "prompt", "not 4001"),
    ({"image": "https://x.example/a.png", "prompt": ""}, "prompt", "not 0"),
    ({"image": "https://x.example/a.png", "response_format": "png"}, "response_format", "must be one of"),
    ({"image": "https://x.example/a.png", "quality": "high"}, "quality", "not a known field"),
    ({"image": "https://x.example/a.png", "imgae": "x"}, "imgae", 'did you mean "image"'),
    ({"image": "https://x.example/a.png", "saveTo": ""}, "saveTo", "must not be empty"),
])
def test_the_services_rules_are_checked_locally(adapter_factory, standin, params, path, words):
    a = start_adapter(adapter_factory, standin)
    errors = expect_invalid(a, edit(**params), standin)
    assert list(errors) == [path], errors
    assert words in errors[path], errors


def test_prompt_limits_count_utf16_code_units(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.edit", edit(image=standin.image_url("a.png"), prompt="🦊" * 2000), timeout=10))
    assert edit_bodies(standin)[0]["prompt"] == "🦊" * 2000


def test_every_violation_is_listed_together(adapter_factory, standin, tmp_path):
    (tmp_path / "dir").mkdir()
    a = start_adapter(adapter_factory, standin)
    errors = expect_invalid(a, {"prompt": "", "model": "gpt-image-1", "image": ["rel.png", str(tmp_path / "dir")],
                                "mask": str(tmp_path / "none.png"), "n": 2, "wait": "yes"}, standin)
    assert sorted(errors) == ["image[0]", "image[1]", "mask", "n", "prompt", "wait"]


def test_inline_images_past_the_total_cap_are_refused_before_upload(adapter_factory, standin, tmp_path):
    # Each file is under the per-file cap; as data URIs, two come to more than 15 MB.
    one = padded_png(tmp_path / "one.png", 6 * 1024 * 1024)
    two = padded_png(tmp_path / "two.png", 6 * 1024 * 1024)
    a = start_adapter(adapter_factory, standin)
    errors = expect_invalid(a, edit(image=[str(one), str(two)]), standin)
    assert list(errors) == ["image[1]"]
    assert "15 MB" in errors["image[1]"] and "http(s) URLs" in errors["image[1]"]
    # A data URI counts as well: the mask takes a lone file past the cap.
    errors = expect_invalid(a, edit(image=str(one), mask=data_uri(b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024))), standin)
    assert list(errors) == ["mask"] and "15 MB" in errors["mask"]
    # One such file alone is fine.
    expect_result(a.call("image.edit", edit(image=str(one)), timeout=20))
    assert len(edit_bodies(standin)) == 1


# ---------------------------------------------------------------------------
# maxInputImages
# ---------------------------------------------------------------------------


def test_the_input_count_is_checked_against_maxinputimages_with_the_list_fetched_once(adapter_factory, standin):
    urls = [standin.image_url("a.png"), standin.image_url("b.png")]
    a = start_adapter(adapter_factory, standin)
    for _ in range(2):
        err = expect_error(a.call("image.edit", edit(model="doubao-seededit-3-0", image=urls), timeout=10), -32602)
        assert err["data"]["errors"] == [{
            "path": "image",
            "message": 'the model "doubao-seededit-3-0" takes at most 1 input image (its maxInputImages), not 2'}]
    assert standin.count("edit") == 0, "nothing is submitted (or billed)"
    expect_result(a.call("image.edit", edit(model="doubao-seededit-3-0", image=urls[0]), timeout=10))
    expect_result(a.call("image.edit", edit(model="gpt-image-1", image=urls), timeout=10))
    assert standin.count("edit_models") == 1, "the list is fetched once per session"
    assert standin.count("edit") == 2


def test_the_check_is_skipped_not_failed_when_the_list_cannot_be_had(adapter_factory, standin):
    standin.inject("edit_models", "http500_html")
    urls = [standin.image_url("a.png"), standin.image_url("b.png")]
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.edit", edit(model="doubao-seededit-3-0", image=urls), timeout=10))
    assert result["status"] == "success"
    assert standin.count("edit_models") == 1, "one attempt: the list is advice, not a need"
    assert standin.count("edit") == 1
    # Not kept as a failure: the next edit asks again, and now the check applies.
    expect_error(a.call("image.edit", edit(model="doubao-seededit-3-0", image=urls), timeout=10), -32602)
    assert standin.count("edit_models") == 2 and standin.count("edit") == 1


def test_the_list_is_read_again_after_the_service_answers_12300(adapter_factory, standin):
    urls = [standin.image_url("a.png"), standin.image_url("b.png")]
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(model="seededit-4", image=urls), timeout=10), -32010)
    assert err["data"]["upstreamCode"] == 12300
    assert 'image.models with kind "edit"' in err["message"]
    assert_english(err, "无效的 AI 模型")
    standin.edit_models = standin.edit_models + [{"name": "seededit-4", "description": "new", "tags": [],
                                                  "sizes": [], "pricing": "1", "maxInputImages": 1}]
    err = expect_error(a.call("image.edit", edit(model="seededit-4", image=urls), timeout=10), -32602)
    assert "at most 1 input image" in err["data"]["errors"][0]["message"]
    assert standin.count("edit_models") == 2 and standin.count("edit") == 1


# ---------------------------------------------------------------------------
# Errors, billing, cancellation
# ---------------------------------------------------------------------------


def test_http_413_says_to_pass_urls_and_is_never_resent(adapter_factory, standin, tmp_path):
    png = write(tmp_path / "sky.png", noise_png(16, 16))
    standin.inject("edit", "http_html", status=413)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(image=str(png)), timeout=10), -32013)
    assert err["data"]["httpStatus"] == 413 and err["data"]["attempts"] == 1
    assert err["data"]["upstreamRequestId"] == standin.requests_for("edit")[0].request_id
    assert "HTTP 413" in err["message"] and "http(s) URLs" in err["message"]
    assert "nothing was submitted" in err["message"]
    assert_english(err)
    assert standin.count("edit") == 1 and standin.count("status") == 0


def test_a_job_whose_input_cannot_be_fetched_ends_failed_as_32011(adapter_factory, standin):
    url = standin.image_url("missing-sky.png")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(image=url), timeout=10), -32011)
    task = err["data"]["task"]
    assert task == standin.last_served(err["data"]["logId"])
    assert task["status"] == "failed" and task["errorMessage"].startswith("Failed to fetch image")
    assert task["request"]["image"] == url
    assert_english(err)


def test_failed_job_data_does_not_repeat_the_inline_input(adapter_factory, standin, tmp_path):
    png = write(tmp_path / "sky.png", noise_png(32, 32))
    standin.plan_job(outcome="failed", error_message="内容违规")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(image=str(png)), timeout=10), -32011)
    assert err["data"]["task"]["request"]["image"] == shortened(data_uri(png.read_bytes()))
    assert err["data"]["task"]["errorMessage"] == "内容违规"


def test_wait_false_then_task_status_resumes_and_saves_an_edit_job(adapter_factory, standin, tmp_path):
    png = write(tmp_path / "sky.png", noise_png(8, 8))
    a = start_adapter(adapter_factory, standin)
    submitted = expect_result(a.call("image.edit", edit(image=str(png), wait=False), timeout=10))
    assert submitted == standin.requests_for("edit")[0].response_json["data"]
    assert standin.count("status") == 0
    out = tmp_path / "out"
    final = expect_result(a.call("task.status", {"logId": submitted["logId"], "wait": True, "pollIntervalMs": 10,
                                                 "saveTo": str(out)}, timeout=10))
    assert final["status"] == "success" and final["request"]["image"] == shortened(data_uri(png.read_bytes()))
    [saved] = final["saved"]
    assert Path(saved).parent == out.resolve() and Path(saved).read_bytes().startswith(PNG_SIGNATURE)
    validate_result("task.status", final)


def test_task_status_serves_an_edit_job_submitted_elsewhere(adapter_factory, standin):
    inline = data_uri(noise_png(20, 20))
    log_id = standin.add_job({"prompt": "p", "model": "gpt-image-1", "image": [inline, "https://x.example/a.png"]},
                             kind="edit")
    a = start_adapter(adapter_factory, standin)
    task = expect_result(a.call("task.status", {"logId": log_id}))
    assert task["request"]["image"] == [shortened(inline), "https://x.example/a.png"]
    assert task["images"] == standin.last_served(log_id)["images"]


def test_cancel_after_submission_answers_32800_with_the_logid(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.edit", edit(image=standin.image_url("a.png"), pollIntervalMs=50))
    note = wait_note(a, "task.progress", lambda p: same_id(p.get("requestId"), rid), timeout=10, rid=rid)
    a.notify("$/cancelRequest", {"id": rid})
    err = expect_error(a.wait_response(rid, timeout=5)[0], -32800)
    assert err["data"]["logId"] == note["params"]["logId"] == standin.requests_for("edit")[0].log_id
    assert "task.status" in err["message"]


def test_no_key_is_32001_before_any_request(adapter_factory, standin, tmp_path):
    png = write(tmp_path / "sky.png", make_png())
    a = start_adapter(adapter_factory, standin, key=None)
    err = expect_error(a.call("image.edit", edit(image=str(png)), timeout=10), -32001)
    assert "AITOEARN_API_KEY" in err["message"]
    assert standin.count("edit") == 0 and standin.count("status") == 0


# ---------------------------------------------------------------------------
# Large inline inputs: every status echoes them
# ---------------------------------------------------------------------------


def test_an_edit_with_9_mb_of_inline_input_completes_and_is_saved(adapter_factory, standin, tmp_path):
    size = 9 * 1024 * 1024
    big = tmp_path / "big.png"
    big.write_bytes(make_png() + os.urandom(size - len(make_png())))
    out = tmp_path / "out"
    standin.pending_polls = 1
    a = start_adapter(adapter_factory, standin)
    t0 = time.monotonic()
    result = expect_result(a.call("image.edit", edit(image=str(big), saveTo=str(out), pollIntervalMs=20), timeout=60))
    elapsed = time.monotonic() - t0
    print(f"\n9 MB edit job: {elapsed:.2f} s from request to saved result")
    sent = standin.requests_for("edit")[0]
    assert len(sent.body) > 12 * 1024 * 1024
    assert sent.json["image"] == data_uri(big.read_bytes())
    statuses = standin.requests_for("status")
    assert len(statuses) == 2 and all(len(s.response_body) > REPLY_CAP for s in statuses), \
        "each status echoes the input: larger than the usual reply cap"
    assert result["status"] == "success"
    [saved] = result["saved"]
    assert Path(saved).read_bytes() == png_for(urllib.parse.urlsplit(result["images"][0]["url"]).path)
    assert result["request"]["image"] == shortened(sent.json["image"])
    assert len(json.dumps(result)) < 10_000, "the result does not carry the input back"
    # The same session can read the job again later: its polls allow for the echo.
    again = expect_result(a.call("task.status", {"logId": result["logId"]}, timeout=30))
    assert again["status"] == "success" and again["request"]["image"] == shortened(sent.json["image"])
    assert elapsed < 20


def test_other_status_replies_keep_the_8_mb_cap(adapter_factory, standin):
    # A job submitted elsewhere, whose status echoes 9 MB of input: not read, not asked again.
    inline = data_uri(make_png() + bytes(9 * 1024 * 1024))
    log_id = standin.add_job({"prompt": "p", "model": "gpt-image-1", "image": inline}, kind="edit")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", {"logId": log_id}, timeout=20), -32013)
    assert err["data"]["attempts"] == 1 and "httpStatus" not in err["data"]
    assert "larger than the 8 MB" in err["message"] and "session that submitted it" in err["message"]
    assert standin.count("status") == 1
    assert_english(err)


# ---------------------------------------------------------------------------
# image.models kind
# ---------------------------------------------------------------------------


def test_image_models_kind_chooses_the_list(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)  # neither list needs a key
    assert expect_result(a.call("image.models")) == standin.models
    assert expect_result(a.call("image.models", {"kind": "generation"})) == standin.models
    edit_list = expect_result(a.call("image.models", {"kind": "edit"}))
    assert edit_list == standin.edit_models
    assert [m["maxInputImages"] for m in edit_list] == [10, 1]
    validate_result("image.models", edit_list)
    assert [r.endpoint for r in standin.requests] == ["models", "models", "edit_models"]
    err = expect_error(a.call("image.models", {"kind": "edits"}), -32602)
    assert err["data"]["errors"] == [{"path": "kind", "message": 'must be one of "generation", "edit"'}]
    err = expect_error(a.call("image.models", {"knd": "edit"}), -32602)
    assert 'did you mean "kind"' in err["data"]["errors"][0]["message"]
    assert standin.count() == 3


def test_initialize_lists_image_edit(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("initialize", {"processId": None, "capabilities": {}}))
    assert "image.edit" in result["capabilities"]["methods"]
