"""$/cancelRequest and shutdown while a job is polled or submitted (docs/protocol.md §3, §6)."""

from __future__ import annotations

import time

from main_support import *  # noqa: F401,F403

# Polling stops: no status request may arrive in this window after the -32800 answer
# (10+ poll intervals of 20 ms).
QUIET_WINDOW = 0.3


def test_cancel_during_polling_answers_32800_with_log_id_and_stops_polling(adapter_factory, standin):
    standin.plan_job(pending_polls=None)  # never ends
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(pollIntervalMs=20, workDoneToken="tok-cancel"))
    wait_note(a, "task.progress", lambda p: p.get("requestId") == rid and p.get("poll", 0) >= 2, rid=rid)
    a.notify("$/cancelRequest", {"id": rid})
    resp, _ = a.wait_response(rid)
    err = expect_error(resp, -32800)
    log_id = standin.requests_for("submit")[0].log_id
    assert err["data"]["logId"] == log_id
    assert err["data"].get("upstreamRequestId") in [r.request_id for r in standin.requests if r.answered], \
        "an error that followed HTTP exchanges carries data.upstreamRequestId"
    assert observe_quiet(standin, "status", QUIET_WINDOW) == 0, "polling went on after the cancel"
    # $/progress ends however the request ends.
    wait_note(a, "$/progress", lambda p: p.get("token") == "tok-cancel" and (p.get("value") or {}).get("kind") == "end")
    # The job goes on upstream and can be resumed.
    result = expect_result(a.call("task.status", {"logId": log_id}))
    assert result["logId"] == log_id and result["status"] == "generating"


def test_cancel_while_the_submission_is_on_the_wire_still_reports_the_log_id(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    standin.inject("submit", "hold", timeout=10)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(pollIntervalMs=20))
    standin.wait_held("submit")
    a.notify("$/cancelRequest", {"id": rid})
    # Another request's round trip: the adapter is alive and has read the cancel.
    expect_result(a.call("rpc.discover"))
    assert not any(m.get("id") == rid for m in a.messages if "method" not in m), \
        "answered before the submission's outcome was known: the billed job's logId would be lost"
    standin.release()
    resp, _ = a.wait_response(rid)
    err = expect_error(resp, -32800)
    sub = standin.wait_for("submit", answered=True)[0]
    assert err["data"]["logId"] == sub.log_id
    assert err["data"]["upstreamRequestId"] == sub.request_id
    assert observe_quiet(standin, "status", QUIET_WINDOW) == 0
    assert standin.count("status") == 0, "a cancelled request must not poll"


def test_a_cancel_waits_for_the_submission_at_most_the_request_timeout(adapter_factory, standin):
    standin.inject("submit", "hold", timeout=10)
    a = start_adapter(adapter_factory, standin, "--request-timeout-ms", "500")
    rid = a.request("image.generate", gen(pollIntervalMs=20))
    standin.wait_held("submit")
    t0 = time.monotonic()
    a.notify("$/cancelRequest", {"id": rid})
    resp, _ = a.wait_response(rid, timeout=5)
    assert time.monotonic() - t0 < 2.5, "the wait for the submission's answer must be bounded"
    err = expect_error(resp, -32800)
    assert "logId" not in err["data"], "no answer came, so no logId is known"
    assert standin.count("submit") == 1, "the submission must not be resent"
    assert standin.count("status") == 0


def test_cancel_task_status_wait(adapter_factory, standin):
    log_id = standin.add_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("task.status", {"logId": log_id, "wait": True, "pollIntervalMs": 20})
    wait_note(a, "task.progress", lambda p: p.get("requestId") == rid, rid=rid)
    a.notify("$/cancelRequest", {"id": rid})
    err = expect_error(a.wait_response(rid)[0], -32800)
    assert err["data"]["logId"] == log_id
    assert observe_quiet(standin, "status", QUIET_WINDOW) == 0


def test_cancel_with_a_string_id(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    a.request("image.generate", gen(pollIntervalMs=20), id="job-1")
    wait_note(a, "task.progress", lambda p: p.get("requestId") == "job-1" and p.get("poll", 0) >= 1,
              rid="job-1")
    a.notify("$/cancelRequest", {"id": "job-1"})
    err = expect_error(a.wait_response("job-1")[0], -32800)
    assert LOG_ID_RE.fullmatch(err["data"]["logId"])


def test_cancel_of_unknown_or_finished_ids_does_nothing(adapter_factory, standin):
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin)
    done = a.request("image.generate", gen())
    expect_result(a.wait_response(done)[0])
    a.notify("$/cancelRequest", {"id": done})
    a.notify("$/cancelRequest", {"id": 999})
    a.notify("$/cancelRequest", {"id": "nope"})
    expect_result(a.call("image.models"))
    responses = [m for m in a.messages if "method" not in m]
    assert [m["id"] for m in responses].count(done) == 1
    assert not any(m.get("id") in (999, "nope") for m in responses)


def test_shutdown_cancels_polling_with_log_id_before_its_null(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(pollIntervalMs=20))
    wait_note(a, "task.progress", lambda p: p.get("requestId") == rid and p.get("poll", 0) >= 1, rid=rid)
    sid = a.request("shutdown")
    resp, _ = a.wait_response(sid)
    assert resp.get("result", "missing") is None
    err = expect_error(a.wait_response(rid)[0], -32800)
    assert err["data"]["logId"] == standin.requests_for("submit")[0].log_id
    assert index_of(a, rid) < index_of(a, sid), "the -32800 must be written before shutdown's null"
    assert observe_quiet(standin, "status", QUIET_WINDOW) == 0
    a.notify("exit")
    assert a.wait_exit(5) == 0


def index_of(a, rid):
    for i, m in enumerate(a.messages):
        if "method" not in m and m.get("id") == rid and type(m.get("id")) is type(rid):
            return i
    raise AssertionError(f"no response to {rid!r}")


def test_end_of_input_stops_polling(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(pollIntervalMs=20))
    wait_note(a, "task.progress", lambda p: p.get("requestId") == rid and p.get("poll", 0) >= 1, rid=rid)
    a.close_stdin()
    assert a.wait_exit(2) == 0
    assert observe_quiet(standin, "status", QUIET_WINDOW) == 0


def test_cancel_while_the_images_download_is_a_cancel_not_a_failed_save(adapter_factory, standin, tmp_path):
    """A $/cancelRequest that lands while a finished job's images are being saved answers -32800
    with the logId (the caller asked to stop), never -32015 "could not be saved"."""
    standin.inject("image", "hold", timeout=5)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(saveTo=str(tmp_path / "out")))
    standin.wait_held("image")
    a.notify("$/cancelRequest", {"id": rid})
    resp, _ = a.wait_response(rid)
    standin.release()
    err = expect_error(resp, -32800)
    assert err["data"]["logId"] == standin.requests_for("submit")[0].log_id
