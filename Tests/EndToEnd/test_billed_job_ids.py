"""A billed job's id is never lost (issue: "never lose a billed job"): once a submission was
answered with a logId, every way the request can end (status polls that fail, hang or are refused,
deadlines, cancellation, shutdown, a failed save, a reply too large) carries that id, in every face
(the JSON-RPC methods; MCP tools on a 2025-11-25 session and on 2026-07-28 requests), and the
message says the job was submitted and billed and how to follow it, never "try again"."""

from __future__ import annotations

import time

import pytest

import rpc
from main_support import expect_error, gen, start_adapter
from main_support import KEY
from mcp_support import Standin, adapter_args, expect_result, init_params

PROMPT = "a lighthouse at dusk"
MODERN = "2026-07-28"
TIME_SCALE = float(__import__("os").environ.get("AITOEARN_TEST_TIME_SCALE", "1"))


@pytest.fixture
def server():
    """Jobs that stay `generating` unless a test finishes them."""
    with Standin(api_key=KEY, pending_polls=None) as s:
        yield s


# ---------------------------------------------------------------------------
# The faces: each starts an adapter, runs one image job, and says how the job was reported
# ---------------------------------------------------------------------------


class Face:
    name = ""

    def start(self, factory, server, tmp_path, *args):
        raise NotImplementedError

    def generate(self, a, timeout_s=None, **fields):
        """Runs generate; returns (logId or None, text of the outcome, whether it was an error)."""
        raise NotImplementedError

    def status(self, a, log_id, wait_s):
        raise NotImplementedError


class JSONRPCFace(Face):
    name = "jsonrpc"

    def start(self, factory, server, tmp_path, *args):
        return start_adapter(factory, server, *args)

    def generate(self, a, timeout_s=None, code=None, **fields):
        params = gen(**fields)
        if timeout_s is not None:
            params["timeoutMs"] = int(timeout_s * 1000)
        resp = a.call("image.generate", params, timeout=12)
        return self._outcome(resp, code)

    def status(self, a, log_id, wait_s, code=None):
        resp = a.call("task.status", {"logId": log_id, "wait": True, "timeoutMs": int(wait_s * 1000),
                                      "pollIntervalMs": 10}, timeout=12)
        return self._outcome(resp, code)

    @staticmethod
    def _outcome(resp, code):
        assert "error" in resp, f"expected an error, got {resp!r}"
        err = expect_error(resp, code) if code is not None else resp["error"]
        return err.get("data", {}).get("logId"), err["message"], True


class MCPFace(Face):
    """A 2025-11-25 session (initialize first), or 2026-07-28 requests carrying their `_meta`."""

    def __init__(self, modern: bool):
        self.modern = modern
        self.name = "mcp-2026" if modern else "mcp-2025"

    def start(self, factory, server, tmp_path, *args):
        a = factory(adapter_args(tmp_path / "images", *args, server=server), framing="ndjson",
                    extra_env={"AITOEARN_API_KEY": KEY})
        if not self.modern:
            expect_result(a.call("initialize", init_params("2025-11-25")))
            a.notify("notifications/initialized")
        return a

    def _params(self, name, arguments):
        p = {"name": name, "arguments": arguments}
        if self.modern:
            p["_meta"] = {"io.modelcontextprotocol/protocolVersion": MODERN,
                          "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"},
                          "io.modelcontextprotocol/clientCapabilities": {}}
        return p

    def call(self, a, name, arguments):
        return expect_result(a.call("tools/call", self._params(name, arguments), timeout=12))

    def generate(self, a, timeout_s=None, code=None, **fields):
        arguments = {"prompt": PROMPT, "model": "gpt-image-1", **fields}
        if timeout_s is not None:
            arguments["wait_seconds"] = int(timeout_s)
        return self._outcome(self.call(a, "generate_image", arguments))

    def status(self, a, log_id, wait_s, code=None):
        return self._outcome(self.call(a, "get_task_status", {"logId": log_id, "wait_seconds": int(wait_s)}))

    @staticmethod
    def _outcome(result):
        structured = result.get("structuredContent") or {}
        text = " ".join(c.get("text", "") for c in result["content"] if c.get("type") == "text")
        message = structured.get("message") or text
        # The id must be where an agent reads: the structured result and the text alike.
        log_id = structured.get("logId")
        if log_id:
            assert log_id in text, f"the text mirror does not name job {log_id}: {text!r}"
        return log_id, message, bool(result.get("isError"))


FACES = [JSONRPCFace(), MCPFace(modern=False), MCPFace(modern=True)]


@pytest.fixture(params=FACES, ids=lambda f: f.name)
def face(request):
    return request.param


def submitted_id(server):
    [submit] = server.wait_for("submit", answered=True)
    return submit.log_id


def assert_billed_and_followable(message, log_id):
    """The sentence names the job, says it is billed, and points to the status operation."""
    assert log_id in message, message
    assert "billed" in message and "do not submit it again" in message, message
    assert "task.status" in message or "get_task_status" in message, message
    assert "try again" not in message.lower(), f"a billed job must never be advised to be retried: {message!r}"


# ---------------------------------------------------------------------------
# Poll failures
# ---------------------------------------------------------------------------

POLL_FAILURES = {
    # name: (inject args, JSON-RPC code)
    "503-four-times": (("status", "http503_html"), {"times": 4}, -32013),
    "500-business-code": (("status", "business"), {"code": 500, "message": "服务器内部错误"}, -32010),
    "401-while-polling": (("status", "business"), {"code": 401, "message": "Unauthorized"}, -32001),
    "429-four-times": (("status", "http429"), {"times": 4, "retry_after": "0"}, -32014),
    "reply-too-large": (("status", "raw"), {"status": 200, "headers": {"Content-Type": "application/json"},
                                            "body": b"{" + b" " * (9 << 20) + b"}"}, -32013),
    "dropped-four-times": (("status", "drop"), {"times": 4}, -32013),
}


@pytest.mark.parametrize("failure", list(POLL_FAILURES), ids=list(POLL_FAILURES))
def test_a_failed_poll_keeps_the_job_id(adapter_factory, server, tmp_path, face, failure):
    (endpoint, kind), params, code = POLL_FAILURES[failure]
    server.inject(endpoint, kind, **params)
    a = face.start(adapter_factory, server, tmp_path)
    log_id, message, is_error = face.generate(a, code=code)
    assert is_error
    assert log_id == submitted_id(server), f"{face.name}: the billed job's id is lost ({message!r})"
    assert_billed_and_followable(message, log_id)
    assert server.count("submit") == 1


def test_a_hung_poll_past_the_request_timeout_keeps_the_job_id(adapter_factory, server, tmp_path, face):
    server.inject("status", "hold", times=4, timeout=10)
    a = face.start(adapter_factory, server, tmp_path, "--request-timeout-ms", "200")
    log_id, message, is_error = face.generate(a, code=-32013)
    server.release()
    assert is_error and log_id == submitted_id(server)
    assert_billed_and_followable(message, log_id)


# ---------------------------------------------------------------------------
# Deadlines: the job's own timeout cuts a poll in flight (not the 30 s HTTP timeout)
# ---------------------------------------------------------------------------


def test_a_deadline_cuts_a_hung_poll_and_keeps_the_job_id(adapter_factory, server, tmp_path, face):
    server.inject("status", "hold", times=10, timeout=20)
    a = face.start(adapter_factory, server, tmp_path)
    t0 = time.monotonic()
    log_id, message, is_error = face.generate(a, timeout_s=2, code=-32012)
    took = time.monotonic() - t0
    server.release()
    assert took < 2.5 * TIME_SCALE, f"{face.name}: a 2 s deadline answered after {took:.2f} s"
    assert log_id == submitted_id(server)
    if face.name == "jsonrpc":
        assert_billed_and_followable(message, log_id)
    else:
        # MCP: a job still running is a result (not an error) with its id and what to do next.
        assert not is_error and "get_task_status" in message and "billed" in message, message


def test_a_deadline_cuts_a_hung_status_wait(adapter_factory, server, tmp_path, face):
    log_id = server.add_job(pending_polls=None)
    server.inject("status", "hold", times=10, timeout=20)
    a = face.start(adapter_factory, server, tmp_path)
    t0 = time.monotonic()
    got, message, _ = face.status(a, log_id, wait_s=2, code=-32012)
    took = time.monotonic() - t0
    server.release()
    assert took < 2.5 * TIME_SCALE, f"{face.name}: a 2 s wait answered after {took:.2f} s"
    assert got == log_id and log_id in message


def test_task_status_without_wait_obeys_its_deadline(adapter_factory, server, tmp_path):
    log_id = server.add_job(pending_polls=None)
    server.inject("status", "hold", times=10, timeout=20)
    a = start_adapter(adapter_factory, server)
    t0 = time.monotonic()
    err = expect_error(a.call("task.status", {"logId": log_id, "timeoutMs": 1000}, timeout=10), -32012)
    took = time.monotonic() - t0
    server.release()
    assert took < 1.5 * TIME_SCALE, took
    assert err["data"]["logId"] == log_id


# ---------------------------------------------------------------------------
# A failed save
# ---------------------------------------------------------------------------


def test_a_failed_save_keeps_the_job_id(adapter_factory, server, tmp_path, face):
    server.plan_job(pending_polls=0)
    # The image folder (MCP) or saveTo (JSON-RPC) is a file: nothing can be saved into it.
    blocker = tmp_path / "images"
    blocker.write_text("not a folder")
    a = face.start(adapter_factory, server, tmp_path)
    if face.name == "jsonrpc":
        log_id, message, _ = face.generate(a, code=-32015, saveTo=str(blocker))
    else:
        log_id, message, _ = face.generate(a, response_format="b64_json")
    assert log_id == submitted_id(server), message
    assert_billed_and_followable(message, log_id)


# ---------------------------------------------------------------------------
# Cancellation, shutdown, end of input, signals
# ---------------------------------------------------------------------------


def test_cancel_keeps_the_job_id_in_the_answer_and_the_log(adapter_factory, server, tmp_path, face):
    a = face.start(adapter_factory, server, tmp_path)
    if face.name == "jsonrpc":
        rid = a.request("image.generate", gen())
        log_id = submitted_id(server)
        server.wait_for("status")
        a.notify("$/cancelRequest", {"id": rid})
        err = expect_error(a.wait_response(rid)[0], -32800)
        assert err["data"]["logId"] == log_id
        assert_billed_and_followable(err["message"], log_id)
    else:
        rid = a.request("tools/call", face._params("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}))
        log_id = submitted_id(server)
        server.wait_for("status")
        a.notify("notifications/cancelled", {"requestId": rid, "reason": "the user gave up"})
        # No response goes out for a cancelled MCP request: the log is where the id survives.
    a.wait_until(lambda: log_id in a.stderr_text() and "billed" in a.stderr_text(), timeout=5,
                 what="a warning on stderr naming the billed job")
    assert a.finish() == 0


@pytest.mark.parametrize("how", ["end-of-input", "sigterm"])
def test_leaving_while_a_job_is_followed_names_it_on_stderr(adapter_factory, server, tmp_path, face, how):
    a = face.start(adapter_factory, server, tmp_path)
    if face.name == "jsonrpc":
        a.request("image.generate", gen())
    else:
        a.request("tools/call", face._params("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}))
    log_id = submitted_id(server)
    server.wait_for("status")
    if how == "sigterm":
        a.signal()
    else:
        a.close_stdin()
    assert a.wait_exit(2 * TIME_SCALE) == 0
    err = a.stderr_text()
    assert log_id in err and "billed" in err, err


def test_shutdown_keeps_the_job_id(adapter_factory, server):
    a = start_adapter(adapter_factory, server)
    rid = a.request("image.generate", gen())
    log_id = submitted_id(server)
    server.wait_for("status")
    sid = a.request("shutdown")
    err = expect_error(a.wait_response(rid)[0], -32800)
    assert a.wait_response(sid)[0].get("result", "missing") is None
    assert err["data"]["logId"] == log_id
    assert_billed_and_followable(err["message"], log_id)


@pytest.mark.parametrize("how", ["end-of-input", "sigterm"])
def test_leaving_during_a_submission_warns_that_a_billed_job_may_exist(adapter_factory, server, tmp_path, face, how):
    server.inject("submit", "hold", timeout=10)
    a = face.start(adapter_factory, server, tmp_path)
    if face.name == "jsonrpc":
        a.request("image.generate", gen())
    else:
        a.request("tools/call", face._params("generate_image", {"prompt": PROMPT, "model": "gpt-image-1"}))
    server.wait_held("submit")
    if how == "sigterm":
        a.signal()
    else:
        a.close_stdin()
    assert a.wait_exit(2 * TIME_SCALE) == 0
    server.release()
    err = a.stderr_text()
    assert "may have been submitted and billed" in err, err
