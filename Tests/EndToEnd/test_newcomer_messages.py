"""What a newcomer's mistakes are answered with (README, "Options" and "The protocol in short"):
"did you mean" for options, params fields and method names; the no-key error offers --simulate;
a person who starts the binary in a terminal is told what it waits for; MCP texts speak of tools."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import rpc
from main_support import *  # noqa: F401,F403
from mcp_support import call_tool_raw, mcp_adapter, mcp_standin  # noqa: F401 (fixture)


def test_unknown_option_suggests_the_closest_one():
    out = subprocess.run([rpc.BIN, "--simualte"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ['aitoearn-rpc: unknown option "--simualte" (did you mean "--simulate"?)']
    far = subprocess.run([rpc.BIN, "--frobnicate-everything"], capture_output=True, text=True, timeout=10)
    assert far.returncode == 2 and "did you mean" not in far.stderr and "--help" in far.stderr


def test_unknown_field_suggests_the_upstream_spelling(adapter_factory):
    a = adapter_factory(["--simulate"])
    err = expect_error(a.call("image.generate", {"prompt": "fox", "model": "sim-image", "responseFormat": "url"}), -32602)
    assert err["data"]["errors"] == [{"path": "responseFormat",
                                      "message": 'is not a known field (did you mean "response_format"?)'}]
    assert 'did you mean "response_format"' in err["message"]


def test_unknown_method_suggests_the_closest_one(adapter_factory):
    a = adapter_factory(["--simulate"])
    err = expect_error(a.call("image.generat", {}), -32601)
    assert err["message"] == 'There is no method named "image.generat" (did you mean "image.generate"?).'
    err = expect_error(a.call("completely.different"), -32601)
    assert "did you mean" not in err["message"]


def test_no_key_error_offers_the_simulator(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    err = expect_error(a.call("image.generate", gen()), -32001)
    assert "--simulate" in err["message"] and "AITOEARN_API_KEY" in err["message"]
    assert standin.count("submit") == 0


def test_started_in_a_terminal_it_says_what_it_waits_for():
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([rpc.BIN, "--simulate"], stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(terminal)
    try:
        line = b""
        deadline = time.monotonic() + 5
        while b"\n" not in line and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
        text = line.decode()
        assert "waiting for JSON-RPC" in text and "--help" in text, text
        assert text.count("\n") == 1, "one line, no more"
    finally:
        proc.kill()
        proc.wait(5)
        os.close(controller)


def test_piped_stdin_gets_no_terminal_hint(adapter_factory):
    a = adapter_factory(["--simulate"])
    expect_result(a.call("image.models"))
    a.close_stdin()
    assert a.wait_exit(5) == 0
    assert "waiting for JSON-RPC" not in a.stderr_text()


def test_mcp_failed_job_text_has_single_punctuation(adapter_factory, tmp_path):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", "--simulate", "--simulate-delay-ms", "50")
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": "fox", "model": "sim-image-fail"}))
    assert r.get("isError") is True
    text = r["structuredContent"]["message"]
    assert ".." not in text and ". ." not in text, text
    assert "Change the prompt or model" in text


def test_mcp_errors_name_tools_not_methods(adapter_factory, tmp_path, mcp_standin):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=mcp_standin)
    r = expect_result(call_tool_raw(a, "get_task_status", {"logId": "0123456789abcdef01234567"}))
    assert r.get("isError") is True
    text = r["content"][0]["text"]
    assert "generate_image" in text, text
    for method_name in ("image.generate", "task.status", "image.models", "initializationOptions", "-32010", "data:"):
        assert method_name not in text, f"{method_name!r} in an MCP text: {text!r}"
    assert "service code 404" in text


def test_mcp_no_key_error_points_at_the_environment(adapter_factory, tmp_path, mcp_standin):
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=mcp_standin, key=None)
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": "fox", "model": "gpt-image-1"}))
    text = r["content"][0]["text"]
    assert r.get("isError") is True and "AITOEARN_API_KEY" in text and "initializationOptions" not in text, text


def test_mcp_cancel_after_submission_logs_the_job_id(adapter_factory, tmp_path, mcp_standin):
    standin = mcp_standin
    standin.plan_job(pending_polls=None)
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=standin)
    rid = a.request("tools/call", {"name": "generate_image", "arguments": {"prompt": "fox", "model": "gpt-image-1"}})
    standin.wait_for("submit", 1, answered=True)
    time.sleep(0.2)  # the job is known to the adapter: it is polling now
    a.notify("notifications/cancelled", {"requestId": rid, "reason": "client timeout"})

    def warning():
        for m in a.notifications("notifications/message"):
            if m["params"].get("level") == "warning":
                return m
        return None

    note = a.wait_until(warning, timeout=5, what="a warning naming the job")
    log_id = standin.requests_for("submit")[0].log_id
    assert log_id and log_id in note["params"]["data"] and "get_task_status" in note["params"]["data"]
