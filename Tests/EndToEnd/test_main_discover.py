"""rpc.discover and schemas/openrpc.json (docs/protocol.md §4, §5)."""

from __future__ import annotations

import json

import pytest

from main_support import *  # noqa: F401,F403
from main_support import OpenRPC

METHODS = ["image.generate", "task.status", "image.models", "rpc.discover"]
NOTIFICATIONS = ["task.progress", "status.changed"]


def test_openrpc_document_exists_and_parses():
    assert OPENRPC_PATH.exists(), f"{OPENRPC_PATH} is missing"
    doc = json.loads(OPENRPC_PATH.read_text(encoding="utf-8"))
    assert isinstance(doc.get("openrpc"), str)
    assert doc["info"]["title"]


def test_rpc_discover_returns_the_document(adapter_factory, standin, framing):
    a = start_adapter(adapter_factory, standin, framing=framing)
    result = expect_result(a.call("rpc.discover"))
    assert result == json.loads(OPENRPC_PATH.read_text(encoding="utf-8"))
    assert_no_http(standin)


def test_rpc_discover_works_without_a_key(adapter_factory):
    a = adapter_factory([])
    result = expect_result(a.call("rpc.discover"))
    assert result == json.loads(OPENRPC_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("method", METHODS)
def test_document_describes_each_method(method):
    doc = OpenRPC()
    found = doc.method(method)
    assert found, f"{method} is not in schemas/openrpc.json"
    assert "result" in found[0]


@pytest.mark.parametrize("name", NOTIFICATIONS + ["$/progress"])
def test_document_describes_each_notification(name):
    doc = OpenRPC()
    assert doc.params_schema(name) is not None, f"notification {name} is not described in schemas/openrpc.json"


def test_image_models_result_is_verbatim_and_valid(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.models"))
    assert result == standin.models
    OpenRPC().validate_result("image.models", result)


def test_results_and_notifications_match_the_schema(adapter_factory, standin, tmp_path):
    doc = OpenRPC()
    standin.pending_polls = 1
    a = start_adapter(adapter_factory, standin)
    a.call("initialize", {"processId": None, "capabilities": {}})
    result = expect_result(a.call("image.generate", gen(workDoneToken="t", response_format="b64_json")))
    doc.validate_result("image.generate", result)
    doc.validate_result("image.generate", expect_result(a.call("image.generate", gen(wait=False))))
    saved = expect_result(a.call("image.generate", gen(saveTo=str(tmp_path))))
    doc.validate_result("image.generate", saved)
    status = expect_result(a.call("task.status", {"logId": result["logId"]}))
    doc.validate_result("task.status", status)
    doc.validate_result("rpc.discover", expect_result(a.call("rpc.discover")))
    standin.api_key = "nope"
    a.call("image.models")
    a.call("image.generate", gen(wait=False))  # 401 -> status.changed error
    wait_note(a, "status.changed", lambda p: p.get("kind") == "error")
    seen = set()
    for n in a.notifications():
        if n["method"] in NOTIFICATIONS + ["$/progress"]:
            doc.validate_notification(n["method"], n.get("params"))
            seen.add(n["method"])
    assert seen == set(NOTIFICATIONS + ["$/progress"]), seen


def test_protocol_doc_mentions_every_method_and_error_code():
    # docs/protocol.md is the prose twin of schemas/openrpc.json: a method or error code
    # added to the schema must be described there too, so the two cannot drift apart.
    import re

    doc_path = OPENRPC_PATH.parent.parent / "docs" / "protocol.md"
    assert doc_path.exists(), f"{doc_path} is missing"
    text = doc_path.read_text(encoding="utf-8")
    schema = json.loads(OPENRPC_PATH.read_text(encoding="utf-8"))

    def mentioned(token: str) -> bool:
        # A whole token: `initialize` must not count as found inside `initialized`,
        # nor -3201 inside -32010.
        return re.search(r"(?<![\w$/.-])" + re.escape(token) + r"(?![\w/-])", text) is not None

    names = [m["name"] for m in schema["methods"]]
    assert names, "schemas/openrpc.json declares no methods"
    errors = schema.get("components", {}).get("errors", {})
    codes = [e["code"] for e in (errors.values() if isinstance(errors, dict) else errors)]
    assert codes, "schemas/openrpc.json declares no errors"

    missing = [n for n in names if not mentioned(n)] + [str(c) for c in codes if not mentioned(str(c))]
    assert not missing, f"docs/protocol.md does not mention: {missing}"
