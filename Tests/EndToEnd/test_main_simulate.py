"""--simulate end to end (docs/protocol.md §8; the simulator models are listed in --help and the README)."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import pytest

from standin import PNG_SIGNATURE
from main_support import *  # noqa: F401,F403

SIM = ["--simulate", "--simulate-delay-ms", "150"]
UNKNOWN_ID = "0123456789abcdef01234567"


def sim_adapter(factory, *args, framing="ndjson", extra_env=None):
    # No key, and proxies pointing nowhere: the simulator must not need the network.
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead}
    env.update(extra_env or {})
    return track(factory([*SIM, *args], framing=framing, extra_env=env))


def file_bytes(url: str) -> bytes:
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "file", url
    return Path(urllib.parse.unquote(parts.path)).read_bytes()


def test_sim_models_lists_the_documented_models_first(adapter_factory):
    a = sim_adapter(adapter_factory)
    models = expect_result(a.call("image.models"))
    names = [m["name"] for m in models]
    assert names[:3] == ["sim-image", "sim-image-fail", "sim-image-broke"], names
    validate_result("image.models", models)


def test_sim_generate_url_images_are_pngs(adapter_factory, framing):
    a = sim_adapter(adapter_factory, framing=framing)
    rid = a.request("image.generate", {"prompt": "a red fox", "model": "sim-image", "n": 2, "pollIntervalMs": 20})
    result = expect_result(a.wait_response(rid)[0])
    assert result["status"] == "success" and LOG_ID_RE.fullmatch(result["logId"])
    assert len(result["images"]) == 2
    for img in result["images"]:
        assert img["url"].startswith("file://")
        assert file_bytes(img["url"]).startswith(PNG_SIGNATURE)
    prog = progress_of(a, rid)
    assert prog[0]["poll"] == 0 and prog[-1]["status"] == "success"
    assert [p["poll"] for p in prog] == list(range(len(prog)))
    validate_result("image.generate", result)


def test_sim_generate_b64_images_are_pngs(adapter_factory):
    a = sim_adapter(adapter_factory)
    result = expect_result(a.call("image.generate", {"prompt": "a red fox", "model": "sim-image",
                                                     "response_format": "b64_json", "pollIntervalMs": 20}))
    assert len(result["images"]) == 1
    assert base64.b64decode(result["images"][0]["b64_json"]).startswith(PNG_SIGNATURE)
    for n in a.notifications():
        assert result["images"][0]["b64_json"][:64] not in str(n)


def test_sim_first_model_always_succeeds(adapter_factory):
    a = sim_adapter(adapter_factory)
    first = expect_result(a.call("image.models"))[0]["name"]
    result = expect_result(a.call("image.generate", {"prompt": "x", "model": first, "pollIntervalMs": 20}))
    assert result["status"] == "success"


def test_sim_failing_model_is_32011(adapter_factory):
    a = sim_adapter(adapter_factory)
    err = expect_error(a.call("image.generate", {"prompt": "x", "model": "sim-image-fail", "pollIntervalMs": 20}),
                       -32011)
    task = err["data"]["task"]
    assert task["status"] == "failed" and task["logId"] == err["data"]["logId"]
    assert isinstance(task.get("errorMessage"), str) and task["errorMessage"]
    assert_english(err)


def test_sim_broke_model_is_insufficient_credits(adapter_factory):
    a = sim_adapter(adapter_factory)
    err = expect_error(a.call("image.generate", {"prompt": "x", "model": "sim-image-broke"}), -32010)
    assert err["data"]["upstreamCode"] == 12001
    assert isinstance(err["data"].get("upstreamMessage"), str)
    assert_english(err)


def test_sim_unknown_model_is_12300(adapter_factory):
    a = sim_adapter(adapter_factory)
    err = expect_error(a.call("image.generate", {"prompt": "x", "model": "dall-e-9"}), -32010)
    assert err["data"]["upstreamCode"] == 12300


def test_sim_unknown_log_id_is_404(adapter_factory):
    a = sim_adapter(adapter_factory)
    err = expect_error(a.call("task.status", {"logId": UNKNOWN_ID}), -32010)
    assert err["data"]["upstreamCode"] == 404


def test_sim_wait_false_then_task_status(adapter_factory):
    a = sim_adapter(adapter_factory)
    sub = expect_result(a.call("image.generate", {"prompt": "x", "model": "sim-image", "wait": False}))
    assert sub["status"] == "generating" and set(sub) == {"logId", "status"}
    now = expect_result(a.call("task.status", {"logId": sub["logId"]}))
    assert now["status"] in ("generating", "success") and now["logId"] == sub["logId"]
    rid = a.request("task.status", {"logId": sub["logId"], "wait": True, "pollIntervalMs": 20})
    final = expect_result(a.wait_response(rid)[0])
    assert final["status"] == "success"
    assert all(p["logId"] == sub["logId"] for p in progress_of(a, rid))


def test_sim_failed_job_through_task_status_is_a_result(adapter_factory):
    a = sim_adapter(adapter_factory)
    sub = expect_result(a.call("image.generate", {"prompt": "x", "model": "sim-image-fail", "wait": False}))
    final = expect_result(a.call("task.status", {"logId": sub["logId"], "wait": True, "pollIntervalMs": 20}))
    assert final["status"] == "failed"


def test_sim_delay_is_honoured(adapter_factory):
    a = adapter_factory(["--simulate", "--simulate-delay-ms", "600"])
    sub = expect_result(a.call("image.generate", {"prompt": "x", "model": "sim-image", "wait": False}))
    assert expect_result(a.call("task.status", {"logId": sub["logId"]}))["status"] == "generating"


@pytest.mark.parametrize("fmt", ["url", "b64_json"])
def test_sim_save_to(adapter_factory, tmp_path, fmt):
    a = sim_adapter(adapter_factory)
    result = expect_result(a.call("image.generate", {"prompt": "x", "model": "sim-image", "n": 2,
                                                     "response_format": fmt, "saveTo": str(tmp_path / "out"),
                                                     "pollIntervalMs": 20}))
    saved = [Path(p) for p in result["saved"]]
    assert len(saved) == 2
    for p in saved:
        assert p.is_absolute() and p.resolve().parent == (tmp_path / "out").resolve()
        assert result["logId"] in p.name
        assert p.read_bytes().startswith(PNG_SIGNATURE)


def test_sim_still_validates_locally(adapter_factory):
    a = sim_adapter(adapter_factory)
    err = expect_error(a.call("image.generate", {"prompt": "x", "model": "sim-image", "responseFormat": "url"}),
                       -32602)
    assert "responseFormat" in error_paths(err)


def test_sim_needs_no_key(adapter_factory):
    a = sim_adapter(adapter_factory)
    result = expect_result(a.call("image.generate", {"prompt": "x", "model": "sim-image", "pollIntervalMs": 20}))
    assert result["status"] == "success"
