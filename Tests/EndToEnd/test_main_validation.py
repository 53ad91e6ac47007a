"""Local validation (docs/protocol.md §4): every violation is -32602 with data.errors listing each
violated field, and no HTTP request is made."""

from __future__ import annotations

import pytest

from main_support import *  # noqa: F401,F403

OK = {"prompt": "a red fox", "model": "gpt-image-1"}
EMOJI = "😀"  # one code point, two UTF-16 code units
PROMPT_4001_UNITS = "a" * 3999 + EMOJI  # 4000 code points, 4001 UTF-16 units: too long
PROMPT_4000_UNITS = "a" * 3998 + EMOJI  # exactly at the limit


def with_(**kw):
    p = dict(OK)
    for k, v in kw.items():
        if v is ...:
            p.pop(k, None)
        else:
            p[k] = v
    return p


GENERATE_CASES = {
    "typo responseFormat": (with_(responseFormat="url"), {"responseFormat"}),
    "unknown field": (with_(negative_prompt="blurry"), {"negative_prompt"}),
    "n too big": (with_(n=11), {"n"}),
    "n zero": (with_(n=0), {"n"}),
    "n fractional": (with_(n=1.5), {"n"}),
    "n string": (with_(n="2"), {"n"}),
    "n boolean": (with_(n=True), {"n"}),
    "prompt 4001 UTF-16 units": (with_(prompt=PROMPT_4001_UNITS), {"prompt"}),
    "prompt empty": (with_(prompt=""), {"prompt"}),
    "prompt missing": (with_(prompt=...), {"prompt"}),
    "prompt not a string": (with_(prompt=5), {"prompt"}),
    "model missing": (with_(model=...), {"model"}),
    "model not a string": (with_(model=["gpt-image-1"]), {"model"}),
    "bad response_format": (with_(response_format="png"), {"response_format"}),
    "bad source": (with_(source="web"), {"source"}),
    "quality not a string": (with_(quality=3), {"quality"}),
    "size not a string": (with_(size=1024), {"size"}),
    "style not a string": (with_(style={"a": 1}), {"style"}),
    "user not a string": (with_(user=12), {"user"}),
    "wait not a boolean": (with_(wait="yes"), {"wait"}),
    "timeoutMs negative": (with_(timeoutMs=-1), {"timeoutMs"}),
    "timeoutMs string": (with_(timeoutMs="1000"), {"timeoutMs"}),
    "pollIntervalMs string": (with_(pollIntervalMs="fast"), {"pollIntervalMs"}),
    "workDoneToken object": (with_(workDoneToken={"t": 1}), {"workDoneToken"}),
    "saveTo not a string": (with_(saveTo=5), {"saveTo"}),
    "everything at once": (
        {"prompt": PROMPT_4001_UNITS, "model": "gpt-image-1", "n": 11, "responseFormat": "url",
         "response_format": "png", "source": "web"},
        {"prompt", "n", "responseFormat", "response_format", "source"},
    ),
    "nothing at all": ({}, {"prompt", "model"}),
}


@pytest.mark.parametrize("name", list(GENERATE_CASES))
def test_generate_rejects_locally(adapter_factory, standin, name):
    params, fields = GENERATE_CASES[name]
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", params), -32602)
    paths = error_paths(err)
    assert fields <= set(paths), f"data.errors names {paths}, expected at least {sorted(fields)}: {err}"
    assert_english(err)
    assert_no_http(standin)


def test_generate_without_a_key_still_validates_first_or_rejects_without_http(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    resp = a.call("image.generate", with_(n=11))
    assert resp["error"]["code"] in (-32602, -32001)
    assert_no_http(standin)


@pytest.mark.parametrize("params", [["a red fox", "gpt-image-1"], "a red fox", 5, None])
def test_generate_params_must_be_an_object(adapter_factory, standin, params):
    a = start_adapter(adapter_factory, standin)
    rid = a.next_id()
    msg = {"jsonrpc": "2.0", "id": rid, "method": "image.generate"}
    if params is not None:
        msg["params"] = params
    a.send(msg)
    resp, _ = a.wait_response(rid)
    assert "error" in resp, resp
    if params is None or isinstance(params, list):
        expect_error(resp, -32602)  # absent (prompt is required) or positional
    else:
        # Not even structured: invalid request or invalid params, either way no HTTP.
        assert resp["error"]["code"] in (-32602, -32600), resp
    assert_no_http(standin)


@pytest.mark.parametrize("params", [
    with_(prompt=PROMPT_4000_UNITS), with_(n=10), with_(n=1), with_(response_format="b64_json"),
    with_(response_format="url"), with_(source="ai_image"), with_(source="ai_draft_generation"),
    with_(source="plugin"), with_(prompt="x"),
])
def test_generate_accepts_the_boundaries(adapter_factory, standin, params):
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", dict(params, wait=False)))
    assert result["status"] == "generating"
    assert standin.requests_for("submit")[0].json == params


LOG_ID_CASES = {
    "too short": {"logId": "abc"},
    "23 hex": {"logId": "0123456789abcdef0123456"},
    "25 hex": {"logId": "0123456789abcdef012345678"},
    "non hex": {"logId": "0123456789abcdef0123456g"},
    "path tricks": {"logId": "../../models/image/gen01"},
    "number": {"logId": 123456789012345678901234},
    "missing": {},
}


@pytest.mark.parametrize("name", list(LOG_ID_CASES))
def test_task_status_checks_the_log_id_locally(adapter_factory, standin, name):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", LOG_ID_CASES[name]), -32602)
    assert "logId" in error_paths(err)
    assert_no_http(standin)


@pytest.mark.parametrize("params,field", [
    ({"logId": "0123456789abcdef01234567", "wiat": True}, "wiat"),
    ({"logId": "0123456789abcdef01234567", "prompt": "x"}, "prompt"),
    ({"logId": "0123456789abcdef01234567", "wait": "true"}, "wait"),
    ({"logId": "0123456789abcdef01234567", "timeoutMs": "5"}, "timeoutMs"),
])
def test_task_status_rejects_unknown_and_mistyped_fields(adapter_factory, standin, params, field):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", params), -32602)
    assert field in error_paths(err)
    assert_no_http(standin)


@pytest.mark.parametrize("method", ["image.models", "rpc.discover"])
def test_methods_without_params_reject_unknown_fields(adapter_factory, standin, method):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call(method, {"verbose": True}), -32602)
    assert "verbose" in error_paths(err)
    assert_no_http(standin)


@pytest.mark.parametrize("method", ["image.models", "rpc.discover"])
def test_methods_without_params_accept_absent_or_empty_params(adapter_factory, standin, method):
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call(method))
    expect_result(a.call(method, {}))
