"""Credits: dry runs, the spending limit and credits.usage (PROTOCOL.md §4 "Credits: quotes and a
spending limit"; issue 21, Done-when 1), the built binary against the stand-in."""

from __future__ import annotations

from main_support import *  # noqa: F401,F403


def vid(**kw):
    params = {"prompt": "a red fox running through fresh snow", "model": "standin-video", "pollIntervalMs": 10}
    params.update(kw)
    return params


def priced(standin, model="gpt-image-1", price="10"):
    for m in standin.models:
        if m["name"] == model:
            m["pricing"] = price


def submissions(standin):
    return standin.count("submit") + standin.count("edit") + standin.count("video_submit")


# ---------------------------------------------------------------------------
# dryRun
# ---------------------------------------------------------------------------


def test_dry_run_returns_the_model_lists_price_and_sends_no_post(adapter_factory, standin, framing):
    priced(standin, price="10")
    a = start_adapter(adapter_factory, standin, framing=framing)
    result = expect_result(a.call("image.generate", gen(dryRun=True, n=4)))
    # Per request, whatever n is.
    assert result == {"dryRun": True, "model": "gpt-image-1", "credits": 10, "pricing": "10"}
    assert submissions(standin) == 0
    assert [r.method for r in standin.requests] == ["GET"]
    validate_result("image.generate", result)


def test_dry_run_of_an_edit_uses_the_edit_model_list(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    params = {"prompt": "darker sky", "model": "doubao-seededit-3-0", "image": "https://example.invalid/a.png", "dryRun": True}
    result = expect_result(a.call("image.edit", params))
    assert result == {"dryRun": True, "model": "doubao-seededit-3-0", "credits": 8, "pricing": "8"}
    assert submissions(standin) == 0


def test_dry_run_of_a_video_matches_the_pricing_row_with_defaults(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("video.generate", vid(dryRun=True, resolution="1080p")))
    # duration comes from the model's defaults (5).
    assert result["credits"] == 150 and result["pricing"]["resolution"] == "1080p" and result["pricing"]["duration"] == 5
    assert expect_result(a.call("video.generate", vid(dryRun=True)))["credits"] == 100
    assert submissions(standin) == 0


def test_dry_run_of_a_model_without_a_readable_price_is_null_with_a_reason(adapter_factory, standin):
    priced(standin, price="ask us")
    a = start_adapter(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(dryRun=True)))
    assert result["credits"] is None and result["pricing"] == "ask us" and "price" in result["reason"]
    assert submissions(standin) == 0


def test_dry_run_still_runs_every_local_check(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(dryRun=True, n=11)), -32602)
    assert "n" in error_paths(err)
    expect_error(a.call("image.generate", gen(dryRun="yes")), -32602)
    assert_no_http(standin)


def test_dry_run_needs_no_key(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    assert expect_result(a.call("image.generate", gen(dryRun=True)))["credits"] == 12
    assert submissions(standin) == 0


# ---------------------------------------------------------------------------
# The spending limit
# ---------------------------------------------------------------------------


def test_two_of_three_concurrent_jobs_fit_a_limit_of_25_and_a_failed_one_gives_its_credits_back(adapter_factory, standin):
    priced(standin, price="10")
    standin.inject("submit", "hold", times=2, timeout=10)
    standin.plan_job(outcome="failed", pending_polls=0)
    standin.plan_job(pending_polls=0)
    a = start_adapter(adapter_factory, standin, "--max-credits", "25")
    ids = [a.request("image.generate", gen(wait=False)) for _ in range(3)]
    # Two submissions are on the wire, held by the service; the third was refused before sending.
    standin.wait_for("submit", 2)
    first = a.wait_until(lambda: [m for m in a.messages if "method" not in m and m.get("id") in ids], what="a first answer")
    assert len(first) == 1 and expect_error(first[0], -32016)["data"] == {"credits": 10, "committed": 20, "limit": 25}
    refused = [first[0]["id"]]
    a.wait_response(refused[0])
    standin.release()
    answers = {i: a.wait_response(i, timeout=10)[0] for i in ids if i not in refused}
    assert len(refused) == 1 and len(answers) == 2
    assert standin.count("submit") == 2
    log_ids = [expect_result(r)["logId"] for r in answers.values()]
    usage = expect_result(a.call("credits.usage"))
    assert usage == {"committed": 20, "limit": 25, "remaining": 5, "jobs": 2}
    # One of the two fails (refunded): its credits come back, and a new call fits again.
    finals = [expect_result(a.call("task.status", {"logId": i, "wait": True, "pollIntervalMs": 10})) for i in log_ids]
    assert sorted(f["status"] for f in finals) == ["failed", "success"]
    assert expect_result(a.call("credits.usage"))["committed"] == 10
    expect_result(a.call("image.generate", gen(wait=False)))
    assert standin.count("submit") == 3


def test_the_refusal_says_what_the_job_costs_what_is_committed_and_the_limit(adapter_factory, standin):
    priced(standin, price="10")
    a = start_adapter(adapter_factory, standin, "--max-credits", "25")
    for _ in range(2):
        expect_result(a.call("image.generate", gen(wait=False)))
    err = expect_error(a.call("image.generate", gen(wait=False)), -32016)
    assert err["data"] == {"credits": 10, "committed": 20, "limit": 25}
    assert "Nothing was submitted" in err["message"] and "25" in err["message"]
    assert standin.count("submit") == 2


def test_an_unknown_price_under_a_limit_is_refused_and_nothing_is_sent(adapter_factory, standin):
    priced(standin, price=None)
    a = start_adapter(adapter_factory, standin, "--max-credits", "1000")
    err = expect_error(a.call("image.generate", gen()), -32016)
    assert err["data"]["credits"] is None and err["data"]["committed"] == 0 and err["data"]["limit"] == 1000
    assert "cannot be known" in err["message"]
    assert submissions(standin) == 0


def test_a_model_list_that_cannot_be_read_under_a_limit_is_an_unknown_price(adapter_factory, standin):
    standin.inject("models", "http503_html", times=10)
    a = start_adapter(adapter_factory, standin, "--max-credits", "100")
    err = expect_error(a.call("image.generate", gen()), -32016)
    assert err["data"]["credits"] is None and "model list" in err["data"]["reason"]
    assert submissions(standin) == 0


def test_a_job_that_ends_failed_while_followed_gives_its_credits_back(adapter_factory, standin):
    priced(standin, price="10")
    standin.plan_job(outcome="failed", pending_polls=0)
    a = start_adapter(adapter_factory, standin, "--max-credits", "10")
    expect_error(a.call("image.generate", gen()), -32011)
    assert expect_result(a.call("credits.usage"))["committed"] == 0
    result = expect_result(a.call("image.generate", gen()))
    assert result["status"] == "success"
    # The service said what it charged (points): that is what stays committed.
    assert expect_result(a.call("credits.usage")) == {"committed": result["points"], "limit": 10,
                                                       "remaining": 10 - result["points"], "jobs": 1}


def test_a_submission_the_service_refused_gives_its_credits_back(adapter_factory, standin):
    priced(standin, price="10")
    standin.inject("submit", "business", code=12001, message="用户Credits不足")
    a = start_adapter(adapter_factory, standin, "--max-credits", "10")
    expect_error(a.call("image.generate", gen(wait=False)), -32010)
    expect_result(a.call("image.generate", gen(wait=False)))
    assert standin.count("submit") == 2


def test_the_limit_from_the_environment_and_from_initialization_options(adapter_factory, standin):
    priced(standin, price="10")
    a = start_adapter(adapter_factory, standin, extra_env={"AITOEARN_MAX_CREDITS": "5"})
    expect_error(a.call("image.generate", gen(wait=False)), -32016)
    b = start_adapter(adapter_factory, standin, extra_env={"AITOEARN_MAX_CREDITS": "5"})
    expect_result(b.call("initialize", {"processId": None, "capabilities": {}, "initializationOptions": {"maxCredits": 10}}))
    expect_result(b.call("image.generate", gen(wait=False)))
    err = expect_error(b.call("image.generate", gen(wait=False)), -32016)
    assert err["data"]["limit"] == 10
    assert expect_result(b.call("credits.usage"))["remaining"] == 0


def test_a_bad_limit_is_a_usage_error_or_invalid_params(adapter_factory, adapter_bin, standin):
    import subprocess

    for args, env in ((["--max-credits", "lots"], {}), (["--max-credits", "-1"], {}), ([], {"AITOEARN_MAX_CREDITS": "x"})):
        out = subprocess.run([adapter_bin, *args], capture_output=True, timeout=10, stdin=subprocess.DEVNULL,
                             env={"PATH": "/usr/bin:/bin", **env})
        assert out.returncode == 2 and len(out.stderr.decode().strip().splitlines()) == 1, out
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("initialize", {"initializationOptions": {"maxCredits": -3}}), -32602)
    assert error_paths(err) == ["maxCredits"] and "initializationOptions.maxCredits" in err["message"]


def test_a_video_job_is_reserved_at_its_matching_row(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, "--max-credits", "120")
    err = expect_error(a.call("video.generate", vid(wait=False, resolution="1080p")), -32016)
    assert err["data"] == {"credits": 150, "committed": 0, "limit": 120}
    expect_result(a.call("video.generate", vid(wait=False)))
    assert standin.count("video_submit") == 1
    assert expect_result(a.call("credits.usage"))["committed"] == 100


def test_usage_without_a_limit_and_its_params(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    assert expect_result(a.call("credits.usage")) == {"committed": 0, "limit": None, "remaining": None, "jobs": 0}
    err = expect_error(a.call("credits.usage", {"verbose": True}), -32602)
    assert "verbose" in error_paths(err)
    b = start_adapter(adapter_factory, standin)
    assert "credits.usage" in expect_result(b.call("initialize", {}))["capabilities"]["methods"]


def test_status_warns_when_less_than_a_tenth_of_the_limit_is_left(adapter_factory, standin):
    priced(standin, price="10")
    a = start_adapter(adapter_factory, standin, "--max-credits", "105")
    expect_result(a.call("initialize", {"processId": None, "capabilities": {}}))
    for _ in range(9):
        expect_result(a.call("image.generate", gen(wait=False)))
    assert not [p for p in status_changes(a) if "spending limit" in p["message"]]
    expect_result(a.call("image.generate", gen(wait=False)))
    note = wait_note(a, "status.changed", lambda p: "spending limit" in p["message"])["params"]
    assert note["kind"] == "warning" and "105" in note["message"]
