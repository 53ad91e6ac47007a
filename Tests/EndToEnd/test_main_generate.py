"""image.generate and task.status against the stand-in service (docs/protocol.md §4, §5)."""

from __future__ import annotations

import json
import time

import pytest

from main_support import *  # noqa: F401,F403


def submit_bodies(server):
    return [r.json for r in server.requests_for("submit")]


# ---------------------------------------------------------------------------
# image.generate
# ---------------------------------------------------------------------------


def test_generate_wait_true_returns_the_final_task_verbatim(adapter_factory, standin, framing):
    standin.pending_polls = 2
    a = start_adapter(adapter_factory, standin, framing=framing)
    resp, _ = a.wait_response(a.request("image.generate", gen(n=2, size="1024x1024")))
    result = expect_result(resp)
    assert result["status"] == "success"
    # Verbatim: exactly what the service sent last, unknown fields included.
    assert result == standin.last_served(result["logId"])
    extra = result["standinExtra"]
    assert extra["bigInt"] == 9007199254740993 and type(extra["bigInt"]) is int
    assert extra["ratio"] == 0.1 and type(extra["ratio"]) is float
    assert extra["text"] == "生成中 ✨ \"quoted\" \\ back\nslash"
    assert extra["nothing"] is None and extra["emptyObject"] == {} and extra["emptyList"] == []
    assert len(result["images"]) == 2
    # Only upstream fields go upstream; the adapter's options (pollIntervalMs) never do.
    assert submit_bodies(standin) == [
        {"prompt": "a red fox in the snow", "model": "gpt-image-1", "n": 2, "size": "1024x1024"}
    ]
    assert standin.count("status") == 3
    validate_result("image.generate", result)


def test_generate_sends_every_upstream_field_and_no_adapter_option(adapter_factory, standin, tmp_path):
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin)
    params = gen(
        prompt="猫 🐱", n=1, quality="high", response_format="b64_json", size="1024x1024",
        style="vivid", user="user-42", source="plugin", wait=True, timeoutMs=5000,
        workDoneToken="tok-fields", saveTo=str(tmp_path / "out"),
    )
    resp, _ = a.wait_response(a.request("image.generate", params), timeout=10)
    expect_result(resp)
    body = submit_bodies(standin)[0]
    assert body == {k: v for k, v in params.items() if k not in ADAPTER_OPTIONS}
    assert not set(body) & ADAPTER_OPTIONS


def test_generate_wait_false_returns_the_submission_verbatim(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    resp, _ = a.wait_response(a.request("image.generate", gen(wait=False)))
    result = expect_result(resp)
    submit = standin.requests_for("submit")
    assert len(submit) == 1
    assert result == submit[0].response_json["data"]
    assert set(result) == {"logId", "status"} and result["status"] == "generating"
    assert LOG_ID_RE.fullmatch(result["logId"])
    assert standin.count("status") == 0, "wait:false must not poll"
    validate_result("image.generate", result)


def test_generate_then_resume_with_task_status(adapter_factory, standin):
    standin.pending_polls = 1
    a = start_adapter(adapter_factory, standin)
    log_id = expect_result(a.call("image.generate", gen(wait=False)))["logId"]
    first = expect_result(a.call("task.status", {"logId": log_id}))
    assert first["status"] == "generating" and first == standin.last_served(log_id)
    final = expect_result(a.call("task.status", {"logId": log_id, "wait": True, "pollIntervalMs": 10}))
    assert final["status"] == "success" and final == standin.last_served(log_id)
    validate_result("task.status", final)


def test_failed_job_is_error_32011_with_logid_and_task(adapter_factory, standin):
    standin.plan_job(outcome="failed", pending_polls=1, error_message="图片生成失败: 内容违规")
    a = start_adapter(adapter_factory, standin)
    resp, _ = a.wait_response(a.request("image.generate", gen()))
    err = expect_error(resp, -32011)
    data = err["data"]
    assert LOG_ID_RE.fullmatch(data["logId"])
    assert data["task"] == standin.last_served(data["logId"])
    assert data["task"]["status"] == "failed"
    # The progress of a request that ends in an error also comes before the error.
    prog = progress_of(a, resp["id"])
    assert [p["poll"] for p in prog] == [0, 1, 2] and prog[-1]["status"] == "failed"
    assert [n["params"] for n in _ if n["method"] == "task.progress"] == prog
    assert data["task"]["errorMessage"] == "图片生成失败: 内容违规"
    assert data["upstreamRequestId"] == standin.requests_for("status")[-1].request_id
    assert_english(err)


def test_timeout_is_error_32012_with_the_last_status(adapter_factory, standin):
    standin.plan_job(pending_polls=None)  # never ends
    a = start_adapter(adapter_factory, standin)
    t0 = time.monotonic()
    resp, _ = a.wait_response(a.request("image.generate", gen(timeoutMs=300, pollIntervalMs=20)), timeout=10)
    elapsed = time.monotonic() - t0
    err = expect_error(resp, -32012)
    data = err["data"]
    assert data["task"] == standin.last_served(data["logId"])
    assert data["task"]["status"] == "generating"
    assert standin.count("status") >= 1
    assert data["upstreamRequestId"] == standin.requests_for("status")[-1].request_id
    assert 0.29 <= elapsed < 3.0, f"timeoutMs 300 answered after {elapsed:.3f}s"
    assert_english(err)


def test_timeout_before_the_first_poll_still_reports_the_job(adapter_factory, standin):
    # docs/protocol.md §6: -32012 data is { logId, task } (last status seen); for image.generate task is not optional.
    # Before any poll, the last status seen is the submission's ("generating").
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    t0 = time.monotonic()
    resp, _ = a.wait_response(a.request("image.generate", gen(timeoutMs=100, pollIntervalMs=5000)), timeout=10)
    assert time.monotonic() - t0 < 2.0, "timeoutMs must cut the poll wait short"
    err = expect_error(resp, -32012)
    log_id = standin.requests_for("submit")[0].log_id
    assert err["data"]["logId"] == log_id
    task = err["data"].get("task")
    assert isinstance(task, dict), f"data.task must be the last status seen, got {task!r}"
    assert task.get("logId") == log_id and task.get("status") == "generating"


def test_first_poll_waits_poll_interval(adapter_factory, standin):
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.generate", gen(pollIntervalMs=300)))
    submit = standin.requests_for("submit")[0]
    first_poll = standin.requests_for("status")[0]
    gap = first_poll.time - submit.answered_time
    assert 0.28 <= gap < 2.0, f"first poll {gap:.3f}s after submission, pollIntervalMs 300"


def test_concurrent_generations_keep_their_own_progress(adapter_factory, standin):
    standin.pending_polls = 2
    a = start_adapter(adapter_factory, standin)
    ids = [a.request("image.generate", gen(prompt=f"picture {i}")) for i in range(3)]
    results = {}
    for rid in ids:
        results[rid] = expect_result(a.wait_response(rid, timeout=10)[0])
    assert len({r["logId"] for r in results.values()}) == 3
    for rid, result in results.items():
        prog = progress_of(a, rid)
        assert prog and {p["logId"] for p in prog} == {result["logId"]}
        assert result["request"]["prompt"] == f"picture {ids.index(rid)}"


def test_other_requests_are_answered_while_a_job_is_polled(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    slow = a.request("image.generate", gen(pollIntervalMs=20, timeoutMs=3000))
    wait_note(a, "task.progress", lambda p: p.get("requestId") == slow and p.get("poll", 0) >= 1, rid=slow)
    quick = a.request("image.models")
    expect_result(a.wait_response(quick)[0])
    assert not any("method" not in m and m.get("id") == slow for m in a.messages), "responses in completion order"
    a.notify("$/cancelRequest", {"id": slow})
    expect_error(a.wait_response(slow)[0], -32800)


# ---------------------------------------------------------------------------
# task.status
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("outcome,pending", [("success", 0), ("failed", 0), ("generating", 5)])
def test_task_status_without_wait_returns_one_status_verbatim(adapter_factory, standin, outcome, pending):
    log_id = standin.add_job(outcome="success" if outcome == "generating" else outcome, pending_polls=pending)
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("task.status", {"logId": log_id}))
    assert result == standin.last_served(log_id)
    assert result["status"] == outcome
    assert standin.count("status") == 1
    validate_result("task.status", result)


@pytest.mark.parametrize("outcome", ["success", "failed"])
def test_task_status_wait_polls_to_the_end_and_failed_is_a_result(adapter_factory, standin, outcome):
    log_id = standin.add_job(outcome=outcome, pending_polls=2)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("task.status", {"logId": log_id, "wait": True, "pollIntervalMs": 10})
    resp, _ = a.wait_response(rid)
    result = expect_result(resp)
    assert result["status"] == outcome and result == standin.last_served(log_id)
    assert standin.count("status") == 3
    prog = progress_of(a, rid)
    assert [p["poll"] for p in prog] == [1, 2, 3]
    assert [p["status"] for p in prog] == ["generating", "generating", outcome]


def test_task_status_wait_timeout_is_32012(adapter_factory, standin):
    log_id = standin.add_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    resp, _ = a.wait_response(
        a.request("task.status", {"logId": log_id, "wait": True, "timeoutMs": 200, "pollIntervalMs": 20}), timeout=10)
    err = expect_error(resp, -32012)
    assert err["data"]["logId"] == log_id
    assert err["data"]["task"] == standin.last_served(log_id)


def test_task_status_unknown_id_is_32010_with_upstream_404(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", {"logId": "0123456789abcdef01234567"}), -32010)
    assert err["data"]["upstreamCode"] == 404
    assert_english(err, "任务不存在")
    assert err["data"]["upstreamRequestId"] == standin.requests_for("status")[-1].request_id


# ---------------------------------------------------------------------------
# Notifications (§5)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("rid", [7, "7", "gen-α"])
def test_task_progress_poll_zero_then_each_poll_all_before_the_response(adapter_factory, standin, rid):
    standin.pending_polls = 2
    a = start_adapter(adapter_factory, standin)
    a.request("image.generate", gen(response_format="b64_json"), id=rid)
    resp, before = a.wait_response(rid)
    result = expect_result(resp)
    prog = progress_of(a, rid)
    assert [p["poll"] for p in prog] == [0, 1, 2, 3]
    assert [p["status"] for p in prog] == ["generating", "generating", "generating", "success"]
    for p in prog:
        assert TASK_PROGRESS_FIELDS <= set(p), p
        assert same_id_typed(p["requestId"], rid)
        assert p["logId"] == result["logId"]
        assert type(p["elapsedMs"]) is int and p["elapsedMs"] >= 0
    elapsed = [p["elapsedMs"] for p in prog]
    assert elapsed == sorted(elapsed)
    # All of them were written before the response...
    assert [n["params"] for n in before if n["method"] == "task.progress"] == prog
    # ...and none after it.
    expect_result(a.call("image.models"))
    assert progress_of(a, rid) == prog
    for n in a.notifications("task.progress"):
        validate_notification(n)
    # No image data in any notification.
    b64 = result["images"][0]["b64_json"]
    for n in a.notifications():
        text = json.dumps(n)
        assert b64[:64] not in text and '"images"' not in text, n


def same_id_typed(a, b):
    return type(a) is type(b) and a == b


def test_no_progress_notifications_carry_url_images_either(adapter_factory, standin):
    standin.pending_polls = 1
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen()))
    url = result["images"][0]["url"]
    for n in a.notifications():
        assert url not in json.dumps(n) and '"images"' not in json.dumps(n), n


@pytest.mark.parametrize("token", ["tok-1", 42])
def test_work_done_progress_begin_report_end(adapter_factory, standin, token):
    standin.pending_polls = 2
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(workDoneToken=token))
    expect_result(a.wait_response(rid)[0])
    end = wait_note(a, "$/progress", lambda p: same_id_typed(p.get("token"), token) and (p.get("value") or {}).get("kind") == "end")
    assert end
    values = [p["value"] for p in notes_for(a, "$/progress") if same_id_typed(p.get("token"), token)]
    kinds = [v["kind"] for v in values]
    assert kinds[0] == "begin" and kinds[-1] == "end", kinds
    assert kinds.count("begin") == 1 and kinds.count("end") == 1
    # One report per status poll (plus, at most, one for the submission itself).
    polls = standin.count("status")
    assert polls <= kinds.count("report") <= polls + 1, (kinds, polls)
    assert isinstance(values[0].get("title"), str) and values[0]["title"]
    for n in a.notifications("$/progress"):
        validate_notification(n)


def test_work_done_progress_ends_when_the_job_fails(adapter_factory, standin):
    standin.plan_job(outcome="failed", pending_polls=1)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(workDoneToken="tok-fail"))
    expect_error(a.wait_response(rid)[0], -32011)
    wait_note(a, "$/progress", lambda p: p.get("token") == "tok-fail" and (p.get("value") or {}).get("kind") == "end")
    kinds = [p["value"]["kind"] for p in notes_for(a, "$/progress")]
    assert kinds[0] == "begin" and kinds[-1] == "end"


def test_work_done_progress_ends_when_the_submission_is_refused(adapter_factory, standin):
    standin.credits_insufficient = True
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(workDoneToken="tok-refused"))
    expect_error(a.wait_response(rid)[0], -32010)
    expect_result(a.call("rpc.discover"))
    kinds = [p["value"]["kind"] for p in notes_for(a, "$/progress")]
    if kinds:  # a begin was sent: it must be ended
        wait_note(a, "$/progress", lambda p: p.get("token") == "tok-refused" and (p.get("value") or {}).get("kind") == "end")
        kinds = [p["value"]["kind"] for p in notes_for(a, "$/progress")]
        assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("end") == 1, kinds


def test_work_done_progress_ends_on_timeout(adapter_factory, standin):
    standin.plan_job(pending_polls=None)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("image.generate", gen(workDoneToken="tok-timeout", timeoutMs=150, pollIntervalMs=20))
    expect_error(a.wait_response(rid)[0], -32012)
    wait_note(a, "$/progress", lambda p: p.get("token") == "tok-timeout" and (p.get("value") or {}).get("kind") == "end")


def test_work_done_progress_for_task_status_wait(adapter_factory, standin):
    log_id = standin.add_job(pending_polls=1)
    a = start_adapter(adapter_factory, standin)
    rid = a.request("task.status", {"logId": log_id, "wait": True, "pollIntervalMs": 10, "workDoneToken": "tok-ts"})
    expect_result(a.wait_response(rid)[0])
    wait_note(a, "$/progress", lambda p: p.get("token") == "tok-ts" and (p.get("value") or {}).get("kind") == "end")
    kinds = [p["value"]["kind"] for p in notes_for(a, "$/progress")]
    assert kinds[0] == "begin" and kinds[-1] == "end"


def test_no_work_done_progress_without_a_token(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.generate", gen()))
    expect_result(a.call("image.models"))
    assert a.notifications("$/progress") == []
