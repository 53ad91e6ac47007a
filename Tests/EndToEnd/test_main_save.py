"""saveTo (docs/protocol.md §4): images written to a directory, named from logId and index,
never outside it; a failed save is -32015 with the job so it is not lost."""

from __future__ import annotations

import base64
import os
import urllib.parse
from pathlib import Path

import pytest

from standin import PNG_SIGNATURE, png_for
from main_support import *  # noqa: F401,F403


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def check_saved(result: dict, out: Path) -> list[Path]:
    saved = result.get("saved")
    assert isinstance(saved, list) and len(saved) == len(result["images"]), result.get("saved")
    paths = [Path(p) for p in saved]
    for p in paths:
        assert p.is_absolute(), p
        assert p.resolve().parent == out.resolve(), f"{p} is not directly in {out}"
        assert result["logId"] in p.name, f"file name {p.name!r} is not made from the logId"
        assert "upstream-name" not in p.name, "file named from what the service sent"
    assert len(set(paths)) == len(paths)
    return paths


def test_save_url_images_in_order(adapter_factory, standin, tmp_path):
    out = tmp_path / "new" / "sub"  # does not exist yet
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=3, saveTo=str(out)), timeout=10))
    paths = check_saved(result, out)
    for img, p in zip(result["images"], paths):
        assert p.read_bytes() == png_for(urllib.parse.urlsplit(img["url"]).path)
    assert {f.resolve() for f in all_files(tmp_path)} == {p.resolve() for p in paths}  # nothing else
    served = standin.last_served(result["logId"])
    assert {k: v for k, v in result.items() if k != "saved"} == served
    assert standin.count("image") == 3
    validate_result("image.generate", result)


def test_save_b64_images(adapter_factory, standin, tmp_path):
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=2, response_format="b64_json", saveTo=str(tmp_path))))
    paths = check_saved(result, tmp_path)
    for img, p in zip(result["images"], paths):
        assert p.read_bytes() == base64.b64decode(img["b64_json"])
        assert p.read_bytes().startswith(PNG_SIGNATURE)
    assert standin.count("image") == 0


def test_task_status_saves_a_finished_job(adapter_factory, standin, tmp_path):
    log_id = standin.add_job({"prompt": "x", "model": "gpt-image-1", "n": 2})
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("task.status", {"logId": log_id, "saveTo": str(tmp_path)}))
    check_saved(result, tmp_path)


def test_task_status_of_a_running_job_saves_nothing(adapter_factory, standin, tmp_path):
    log_id = standin.add_job(pending_polls=5)
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("task.status", {"logId": log_id, "saveTo": str(tmp_path / "out")}))
    assert result["status"] == "generating" and "saved" not in result
    assert all_files(tmp_path) == []


@pytest.mark.parametrize("path", ["not-an-image.png", "missing.png", "huge.png"])
def test_save_failure_is_32015_with_the_job(adapter_factory, standin, tmp_path, path):
    standin.plan_job(images=[{"url": standin.url("/images/" + path)}])
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(saveTo=str(tmp_path / "out")), timeout=15), -32015)
    data = err["data"]
    assert LOG_ID_RE.fullmatch(data["logId"])
    assert data["task"] == standin.last_served(data["logId"])
    assert data["task"]["status"] == "success"
    assert isinstance(data["reason"], str) and data["reason"]
    assert data.get("upstreamRequestId") in [r.request_id for r in standin.requests if r.request_id], \
        "an error that followed HTTP exchanges carries data.upstreamRequestId"
    assert_english(err)
    for f in all_files(tmp_path):
        assert f.stat().st_size < 50 * 1024 * 1024


def test_file_urls_from_the_service_are_refused(adapter_factory, standin, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_for("/secret"))
    out = tmp_path / "out"
    standin.plan_job(images=[{"url": secret.as_uri()}])
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(saveTo=str(out))), -32015)
    assert err["data"]["task"]["images"] == [{"url": secret.as_uri()}]
    assert not out.exists() or all_files(out) == []


def test_names_from_the_service_cannot_escape_the_directory(adapter_factory, standin, tmp_path):
    out = tmp_path / "a" / "out"
    evil = [
        {"url": standin.url("/images/..%2F..%2F..%2Fevil.png")},
        {"url": standin.url("/images/a/b/../evil2.png?name=../../evil3.png")},
    ]
    standin.plan_job(images=evil)
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(saveTo=str(out))))
    check_saved(result, out)
    for f in all_files(tmp_path):
        assert f.resolve().parent == out.resolve(), f"{f} written outside {out}"


def test_relative_save_to_resolves_to_absolute_paths(adapter_factory, standin, tmp_path):
    a = start_adapter(adapter_factory, standin, cwd=tmp_path)
    result = expect_result(a.call("image.generate", gen(saveTo="pics")))
    saved = result["saved"]
    assert all(os.path.isabs(p) for p in saved)
    assert {Path(p).resolve().parent for p in saved} == {(tmp_path / "pics").resolve()}


def test_the_key_is_not_sent_to_image_hosts(adapter_factory, standin, tmp_path):
    # Images usually sit on a CDN: the API key is for the service only.
    standin.image_base_url = f"http://localhost:{standin.port}"  # another host name
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.generate", gen(n=2, saveTo=str(tmp_path))))
    images = standin.requests_for("image")
    assert len(images) == 2
    for r in images:
        assert "X-Api-Key" not in r.headers, r.headers
        assert KEY not in repr(r.headers.items)
