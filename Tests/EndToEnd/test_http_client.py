"""The HTTP layer seen from outside: connections, billing safety, redirects, the libcurl
library, option limits, $HOME and proxies.

README sections: "Billing safety and retries" (which failures resend a submission, fresh
connections), "Errors" (-32013 `data.attempts`/`data.httpStatus`, -32014 `data.retryAfterMs`,
-32015 with `data.task`, `data.upstreamRequestId` after every answered exchange), "Options"
(`--request-timeout-ms`, `--connect-timeout-ms`, `--retry-base-delay-ms`, proxies) and "Build
and run" (libcurl is loaded on the first HTTP request).

The stand-in (standin.py) records the TCP connection of every request (`LoggedRequest.conn`),
so "a submission rides a connection of its own" and "status polls reuse connections" are
checked on the wire, not inferred.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

import rpc
from standin import (MODELS_PATH, STATUS_PREFIX, SUBMIT_PATH, BlackholeServer, RawTCPServer,
                     png_for, raise_open_file_limit)
from main_support import *  # noqa: F401,F403

LOG_ID = "0123456789abcdef01234567"
MAYBE_SUBMITTED = "may have been submitted"
# Retries back off from 1 ms: the tests measure what is sent, not how long it waits.
FAST_RETRY = ("--retry-base-delay-ms", "1")


def start(adapter_factory, server=None, *args, **kw):
    """The adapter against `server` (or kw base_url) with a 1 ms retry backoff."""
    return start_adapter(adapter_factory, server, *FAST_RETRY, *args, retry_delay=False, **kw)


def upstream_params(params: dict) -> dict:
    """What the adapter must send as the submission body for these image.generate params."""
    return {k: v for k, v in params.items() if k not in ADAPTER_OPTIONS}


def assert_may_have_been_submitted(err: dict) -> None:
    assert MAYBE_SUBMITTED in err["message"], f"the message must say the job {MAYBE_SUBMITTED}: {err!r}"
    assert err["data"]["attempts"] == 1, err
    assert_english(err)


def assert_not_submitted(err: dict) -> None:
    """A failure where the service surely did not take the request: the message sends the user
    to the network, proxy or base URL, and does not claim a possible submission."""
    assert MAYBE_SUBMITTED not in err["message"], err
    assert "network" in err["message"].lower(), f"the message should point at the network: {err!r}"
    assert_english(err)


def assert_own_connections(server: Standin, endpoint: str = "submit") -> None:
    """Each request to `endpoint` came on a TCP connection that carried nothing else."""
    by_conn = server.requests_by_conn()
    for r in server.requests_for(endpoint):
        assert r.conn is not None, r
        assert by_conn[r.conn] == [r], f"{r!r} shared connection {r.conn} with {by_conn[r.conn]!r}"


def call_for(method: str, server: Standin | None):
    """(params, stand-in endpoint) for one call of `method`; task.status asks about a finished job."""
    if method == "image.generate":
        return gen(), "submit"
    if method == "task.status":
        return {"logId": server.add_job() if server is not None else LOG_ID}, "status"
    return None, "models"


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*"))


# ---------------------------------------------------------------------------
# Connections: 500 concurrent submissions, five rounds
# ---------------------------------------------------------------------------

ROUNDS = 5
JOBS = 500
# "Far fewer": the status GETs of all rounds must have used at most a quarter as many TCP
# connections as there were GETs (each GET on a fresh connection would make the ratio 1).
GET_REUSE_FACTOR = 4


def test_500_concurrent_generations_lose_no_submission_and_polls_reuse_connections(adapter_factory):
    """README "Billing safety and retries": each submission on a fresh connection of its own,
    none lost or resent, under 500 concurrent image.generate (wait) five rounds in a row on
    one adapter; the status polls ride kept-alive connections."""
    raise_open_file_limit(8192)  # 500+ sockets here and in the adapter (which inherits it)
    with Standin(api_key=KEY) as server:
        # Not tracked for the schema check: validating ~10,000 messages would take too long;
        # one result per round is validated below.
        a = adapter_factory(["--base-url", server.base_url, *FAST_RETRY],
                            extra_env={"AITOEARN_API_KEY": KEY})
        total_gets = 0
        get_conns: set[int] = set()
        per_round = []
        for rnd in range(ROUNDS):
            server.clear_log()
            conns_before = server.accepted_connections
            for i in range(JOBS):
                server.plan_job(pending_polls=i % 2)  # done on the first poll, or on the second
            sent = {}
            for i in range(JOBS):
                params = gen(prompt=f"round {rnd} job {i}: 一只红狐狸 in deep snow, " + "✨ detail " * (i % 40),
                             user=f"r{rnd}-j{i}", pollIntervalMs=50, timeoutMs=60000)
                sent[a.request("image.generate", params)] = params
            deadline = time.monotonic() + 25
            results = {}
            for rid, params in sent.items():
                resp, _ = a.wait_response(rid, timeout=max(0.1, deadline - time.monotonic()))
                result = expect_result(resp)
                assert result["status"] == "success", result
                assert result["request"] == upstream_params(params), "a result for another job"
                results[rid] = result
            validate_result("image.generate", next(iter(results.values())))

            posts = server.requests_for("submit")
            expected = sorted(json.dumps(upstream_params(p), sort_keys=True) for p in sent.values())
            got = sorted(json.dumps(r.json, sort_keys=True) for r in posts)
            assert len(posts) == JOBS, f"round {rnd}: {len(posts)} POSTs for {JOBS} submissions"
            assert got == expected, f"round {rnd}: the POST bodies are not the submissions sent"
            for r in posts:
                length = r.headers.get("Content-Length")
                if length is not None:
                    assert int(length) == len(r.body), r
                assert r.status == 200 and r.fault is None, r
            assert_own_connections(server)
            assert len({r.conn for r in posts}) == JOBS
            assert {r["logId"] for r in results.values()} == {r.log_id for r in posts}

            gets = server.requests_for("status")
            polls_per_job: dict[str, int] = {}
            for r in gets:
                polls_per_job[r.log_id] = polls_per_job.get(r.log_id, 0) + 1
            for log_id, n in polls_per_job.items():
                job = server.job(log_id)
                assert n == job.pending_polls + 1 == job.polls, (log_id, n, job.pending_polls, job.polls)
            assert set(polls_per_job) == {r.log_id for r in posts}
            assert len(gets) == JOBS + JOBS // 2, f"round {rnd}: {len(gets)} status GETs"
            round_conns = {r.conn for r in gets}
            per_round.append((len(gets), len(round_conns), server.accepted_connections - conns_before))
            total_gets += len(gets)
            get_conns |= round_conns
        assert a.alive()
        assert a.finish(5) == 0
        assert len(get_conns) * GET_REUSE_FACTOR <= total_gets, (
            f"{total_gets} status GETs used {len(get_conns)} connections: polls do not reuse connections "
            f"(per round: GETs, their connections, connections accepted: {per_round})")


def test_submission_rides_a_connection_of_its_own_between_reused_gets(adapter_factory, standin):
    """README "Billing safety and retries": a kept-alive connection serves the GETs, but the
    submission never goes out on it, and nothing follows the submission on its connection."""
    a = start(adapter_factory, standin)
    expect_result(a.call("image.models"))
    expect_result(a.call("image.generate", gen(pollIntervalMs=20)))
    expect_result(a.call("image.models"))
    [post] = standin.requests_for("submit")
    assert_own_connections(standin)
    gets = [r for r in standin.requests if r.method == "GET"]
    assert len(gets) == 4  # models, two polls, models
    assert len({r.conn for r in gets}) == 1, f"sequential GETs should share one connection: {gets!r}"
    assert standin.accepted_connections == 2


# ---------------------------------------------------------------------------
# Billing classes: failures before the request went out (resent)
# ---------------------------------------------------------------------------

METHODS = ["image.generate", "task.status", "image.models"]


@pytest.mark.parametrize("method", METHODS)
def test_connection_refused_is_tried_four_times(adapter_factory, method):
    """README "Billing safety and retries": a connection that never opened is safe to retry,
    even for the submission."""
    params, _ = call_for(method, None)
    a = start(adapter_factory, None, base_url=f"http://127.0.0.1:{closed_port()}")
    err = expect_error(a.call(method, params, timeout=10), -32013)
    assert err["data"]["attempts"] == 4, err
    assert "httpStatus" not in err["data"], err
    assert "upstreamRequestId" not in err["data"], "no attempt got an answer"
    assert_not_submitted(err)


@pytest.mark.parametrize("method", METHODS)
def test_unresolvable_host_is_tried_four_times(adapter_factory, method):
    """README "Billing safety and retries": a name that does not resolve; no proxy variable is
    set (rpc.clean_env drops them all, in either case)."""
    params, _ = call_for(method, None)
    a = start(adapter_factory, None, base_url="https://nothing.invalid")
    t0 = time.monotonic()
    err = expect_error(a.call(method, params, timeout=15), -32013)
    assert time.monotonic() - t0 < 10
    assert err["data"]["attempts"] == 4, err
    assert "httpStatus" not in err["data"], err
    assert_not_submitted(err)


@pytest.mark.parametrize("method", METHODS)
def test_tls_handshake_failure_is_tried_four_times(adapter_factory, method):
    """README "Billing safety and retries": the server answers a TLS ClientHello with garbage,
    so the connection never carried the request: each attempt opens one connection, four in all."""
    params, _ = call_for(method, None)
    with RawTCPServer(reply=b"HELLO\r\n") as garbage:
        a = start(adapter_factory, None, base_url=f"https://127.0.0.1:{garbage.port}")
        err = expect_error(a.call(method, params, timeout=15), -32013)
        assert err["data"]["attempts"] == 4, err
        assert "httpStatus" not in err["data"], err
        assert_not_submitted(err)
        firsts = garbage.wait_received(4)
        assert garbage.accepted == 4, f"{garbage.accepted} connections for 4 attempts"
        for data in firsts:
            assert data[:2] == b"\x16\x03", f"not a TLS handshake record: {data[:40]!r}"
            assert b"X-Api-Key" not in data and KEY.encode() not in data


def test_submission_after_429_then_success_is_sent_twice(adapter_factory, standin):
    """README "Billing safety and retries": a 429 means the service did not take the job."""
    standin.inject("submit", "http429", retry_after="0")
    params = gen(pollIntervalMs=20)
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", params, timeout=10))
    first, second = standin.requests_for("submit")
    assert first.status == 429 and second.status == 200
    assert first.json == second.json == upstream_params(params)
    assert first.request_id != second.request_id
    assert result["logId"] == second.log_id and result["status"] == "success"
    assert_own_connections(standin)


def test_submission_429_honours_retry_after(adapter_factory, standin):
    """README "Billing safety and retries": the resend waits for Retry-After."""
    standin.inject("submit", "http429", retry_after="1")
    a = start(adapter_factory, standin)
    expect_result(a.call("image.generate", gen(wait=False), timeout=10))
    first, second = standin.requests_for("submit")
    gap = second.time - first.answered_time
    assert gap >= 0.95, f"resent {gap:.3f}s after `Retry-After: 1`"


def test_submission_rate_limited_four_times_is_32014_with_retry_after(adapter_factory, standin):
    """README "Errors": -32014 carries the last Retry-After as data.retryAfterMs."""
    standin.inject("submit", "http429", times=3, retry_after="0")
    standin.inject("submit", "http429", retry_after="7")
    standin.inject("submit", "http429", times=5, retry_after="0")  # a fifth attempt would see these
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(), timeout=10), -32014)
    subs = standin.requests_for("submit")
    assert len(subs) == 4
    assert err["data"]["retryAfterMs"] == 7000, err
    assert err["data"]["upstreamRequestId"] == subs[-1].request_id
    assert standin.count("status") == 0
    assert_english(err)


# ---------------------------------------------------------------------------
# Billing classes: failures after the request went out (never resent; GETs are retried)
# ---------------------------------------------------------------------------


def check_sent_once(standin: Standin, err: dict, params: dict, window: float = 0.3) -> None:
    """Exactly one POST, with the whole body, and no second one within `window` seconds."""
    assert observe_quiet(standin, "submit", window) == 0
    [post] = standin.requests_for("submit")
    assert post.json == upstream_params(params), post.body
    assert standin.count("status") == 0
    assert "logId" not in err["data"] or err["data"]["logId"] == post.log_id


@pytest.mark.parametrize("rst", [False, True], ids=["close", "reset"])
def test_submission_dropped_after_the_body_is_not_resent(adapter_factory, standin, rst):
    """README "Billing safety and retries": the server read the whole submission (and created
    the job) and closed the connection without an answer."""
    standin.inject("submit", "drop", rst=rst, times=5)
    params = gen()
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", params, timeout=10), -32013)
    assert_may_have_been_submitted(err)
    assert "httpStatus" not in err["data"], err
    check_sent_once(standin, err, params)


def test_submission_reply_cut_mid_body_is_not_resent(adapter_factory, standin):
    """README "Billing safety and retries": status line and headers arrived, the body was cut
    short (Content-Length larger than what came), then the connection closed."""
    standin.inject("submit", "truncate", times=5)
    params = gen()
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", params, timeout=10), -32013)
    assert_may_have_been_submitted(err)
    assert "httpStatus" not in err["data"], "a reply cut short is no HTTP answer"
    check_sent_once(standin, err, params)


@pytest.mark.parametrize("fault", ["hold", "slow"])
def test_submission_stalled_past_the_request_timeout_is_not_resent(adapter_factory, standin, fault):
    """README "Options" (--request-timeout-ms) and "Billing safety and retries": the server
    took the whole submission and stays silent past the timeout."""
    standin.inject("submit", fault, times=5, delay_ms=5000, timeout=5)
    params = gen()
    a = start(adapter_factory, standin, "--request-timeout-ms", "300")
    t0 = time.monotonic()
    err = expect_error(a.call("image.generate", params, timeout=10), -32013)
    assert time.monotonic() - t0 < 2.5, "the request timeout was not applied"
    assert_may_have_been_submitted(err)
    assert "httpStatus" not in err["data"], err
    check_sent_once(standin, err, params)


def test_submission_answered_500_html_is_not_resent(adapter_factory, standin):
    """README "Billing safety and retries" and "Errors": a 500 may come after the job was made."""
    standin.inject("submit", "http500_html", times=5)
    params = gen()
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", params, timeout=10), -32013)
    assert_may_have_been_submitted(err)
    assert err["data"]["httpStatus"] == 500
    check_sent_once(standin, err, params)
    assert err["data"]["upstreamRequestId"] == standin.requests_for("submit")[0].request_id


@pytest.mark.parametrize("method", ["task.status", "image.models"])
@pytest.mark.parametrize("fault,params", [
    ("drop", {}),
    ("drop", {"rst": True}),
    ("truncate", {}),
    ("hold", {"timeout": 5}),
    ("slow", {"delay_ms": 5000}),
], ids=["drop", "reset", "truncate", "hold", "slow"])
def test_get_failing_after_the_request_went_out_is_retried(adapter_factory, standin, method, fault, params):
    """README "Billing safety and retries": status and model requests are safe to resend."""
    call, endpoint = call_for(method, standin)
    standin.inject(endpoint, fault, **params)
    a = start(adapter_factory, standin, "--request-timeout-ms", "300")
    t0 = time.monotonic()
    result = expect_result(a.call(method, call, timeout=10))
    assert time.monotonic() - t0 < 2.5
    first, second = standin.requests_for(endpoint)
    assert first.fault == fault and second.fault is None
    # (the stand-in marks a request answered just after writing it: wait for that)
    assert standin.wait_for(endpoint, 1, answered=True) == [second], "the first attempt got no full answer"
    assert first.request_id != second.request_id
    if method == "task.status":
        assert result == second.response_json["data"]
        assert result["status"] == "success"
    else:
        assert result == standin.models


# ---------------------------------------------------------------------------
# Redirects: never followed for API requests
# ---------------------------------------------------------------------------

REDIRECTS = [301, 302, 307, 308]


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("method", METHODS)
def test_api_redirect_is_an_error_and_not_followed(adapter_factory, standin, method, status):
    """README "Errors" (-32013 with data.httpStatus): a redirect of an API request to another
    origin is reported, naming where it pointed; it is not followed (the key stays with the
    configured origin) and not retried."""
    call, endpoint = call_for(method, standin)
    path = {"submit": SUBMIT_PATH, "status": STATUS_PREFIX + LOG_ID, "models": MODELS_PATH}[endpoint]
    with Standin(api_key=KEY) as other:
        standin.inject(endpoint, "redirect", status=status, location=other.url(path), times=5)
        a = start(adapter_factory, standin)
        err = expect_error(a.call(method, call, timeout=10), -32013)
        data = err["data"]
        assert data["httpStatus"] == status, err
        assert data["attempts"] == 1, err
        assert f"127.0.0.1:{other.port}" in err["message"], f"the message should name the Location's host: {err!r}"
        assert_english(err)
        [req] = standin.requests_for(endpoint)
        assert data["upstreamRequestId"] == req.request_id
        assert other.accepted_connections == 0 and other.requests == [], "the redirect was followed"
        assert standin.count("status") == (1 if endpoint == "status" else 0)


# ---------------------------------------------------------------------------
# Redirects: followed for image downloads, within limits
# ---------------------------------------------------------------------------


def saved_result(a, standin, out, timeout=10):
    result = expect_result(a.call("image.generate", gen(pollIntervalMs=20, saveTo=str(out)), timeout=timeout))
    [path] = result["saved"]
    return result, Path(path)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_image_download_follows_five_redirects(adapter_factory, standin, tmp_path, status):
    """README "Errors" (-32015) and saveTo: image URLs may redirect up to 5 times; no hop gets
    the API key."""
    standin.plan_job(images=[{"url": standin.redirect_chain_url(5, "five.png", status=status)}])
    a = start(adapter_factory, standin)
    result, path = saved_result(a, standin, tmp_path / "out")
    assert path.read_bytes() == png_for("/images/five.png")
    hops = standin.requests_for("image")
    assert [r.path for r in hops] == [f"/images/redirect/{n}/five.png" for n in range(5, -1, -1)]
    assert [r.status for r in hops] == [status] * 5 + [200]
    for r in hops:
        assert "X-Api-Key" not in r.headers, r.headers
    assert all(r.headers.get("X-Api-Key") == KEY for r in standin.requests if r.endpoint != "image")


def test_image_redirect_to_another_origin_is_followed_without_the_key(adapter_factory, standin, tmp_path):
    """An image host that redirects to a CDN on another origin (another port and host name)."""
    with Standin(api_key=KEY) as cdn:
        target = f"http://localhost:{cdn.port}/images/cdn/picture.png"
        standin.plan_job(images=[{"url": standin.redirect_to_url(target, status=302)}])
        a = start(adapter_factory, standin)
        result, path = saved_result(a, standin, tmp_path / "out")
        assert path.read_bytes() == png_for("/images/cdn/picture.png")
        [hop] = standin.requests_for("image")
        [final] = cdn.requests
        assert final.path == "/images/cdn/picture.png"
        for r in (hop, final):
            assert "X-Api-Key" not in r.headers and KEY not in repr(r.headers.items), r.headers


def test_image_download_with_six_redirects_is_32015(adapter_factory, standin, tmp_path):
    """README "Errors": -32015 keeps the finished job in data.task; a sixth hop is not taken."""
    standin.plan_job(images=[{"url": standin.redirect_chain_url(6, "six.png")}])
    out = tmp_path / "out"
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(pollIntervalMs=20, saveTo=str(out)), timeout=10), -32015)
    data = err["data"]
    assert data["task"] == standin.last_served(data["logId"])
    assert data["task"]["status"] == "success"
    assert isinstance(data["reason"], str) and data["reason"]
    hops = standin.requests_for("image")
    assert [r.path for r in hops] == [f"/images/redirect/{n}/six.png" for n in range(6, 0, -1)], hops
    assert not out.exists() or [f for f in all_files(out) if f.is_file()] == []
    assert_english(err)


@pytest.mark.parametrize("scheme", ["ftp", "file"])
def test_image_redirect_to_a_non_http_scheme_is_32015(adapter_factory, standin, tmp_path, scheme):
    """README "Errors": only http(s) is downloaded, also after a redirect."""
    with RawTCPServer(reply=b"220 ftp ready\r\n") as ftp:
        location = f"ftp://127.0.0.1:{ftp.port}/x.png" if scheme == "ftp" else "file:///etc/passwd"
        standin.plan_job(images=[{"url": standin.redirect_to_url(location)}])
        out = tmp_path / "out"
        a = start(adapter_factory, standin)
        err = expect_error(a.call("image.generate", gen(pollIntervalMs=20, saveTo=str(out)), timeout=10), -32015)
        data = err["data"]
        assert data["task"] == standin.last_served(data["logId"])
        assert len(standin.requests_for("image")) == 1
        assert ftp.accepted == 0, "the ftp:// redirect was followed"
        assert not out.exists() or [f for f in all_files(out) if f.is_file()] == []
        assert "root:" not in json.dumps(err)


# ---------------------------------------------------------------------------
# No libcurl
# ---------------------------------------------------------------------------

NO_LIBCURL = {"AITOEARN_LIBCURL": "/nonexistent/libcurl.so.4"}


def test_missing_libcurl_is_32013_at_once_and_nothing_is_sent(adapter_factory, standin):
    """README "Build and run": libcurl is loaded on the first HTTP request; when it cannot be,
    the error says to install it and no request goes out (AITOEARN_LIBCURL names the library)."""
    a = start(adapter_factory, standin, extra_env=NO_LIBCURL)
    for _ in range(2):  # the second request fails the same way: the process is fine
        t0 = time.monotonic()
        err = expect_error(a.call("image.generate", gen(), timeout=10), -32013)
        assert time.monotonic() - t0 < 2
        assert err["data"]["attempts"] == 1, err
        assert "httpStatus" not in err["data"], err
        msg = err["message"]
        assert "libcurl" in msg, msg
        assert re.search(r"\binstall", msg, re.I) and "package" in msg.lower(), msg
        assert MAYBE_SUBMITTED not in msg
        assert_english(err)
    assert standin.requests == [] and standin.accepted_connections == 0
    assert a.alive()


def test_simulator_needs_no_libcurl(adapter_factory, tmp_path):
    """README "Options" (--simulate): no network, hence no libcurl."""
    a = track(adapter_factory(["--simulate", "--simulate-delay-ms", "100"], extra_env=NO_LIBCURL))
    result = expect_result(a.call("image.generate", {"prompt": "a red fox", "model": "sim-image",
                                                     "pollIntervalMs": 20, "saveTo": str(tmp_path)}, timeout=10))
    assert result["status"] == "success"
    assert [Path(p).resolve().parent for p in result["saved"]] == [tmp_path.resolve()]
    expect_result(a.call("image.models"))


# ---------------------------------------------------------------------------
# Option limits
# ---------------------------------------------------------------------------

TIMEOUT_OPTIONS = ["--request-timeout-ms", "--connect-timeout-ms"]


@pytest.mark.parametrize("value", ["9223372036854775807", "18446744073709551616", "600001", "0", "-1", "abc"])
@pytest.mark.parametrize("option", TIMEOUT_OPTIONS)
def test_timeout_option_out_of_range_exits_2(adapter_factory, option, value):
    """README "Options": a bad option prints one line on stderr and exits with status 2
    (both timeouts are 1..600000 ms)."""
    a = adapter_factory([option, value], extra_env={"AITOEARN_API_KEY": KEY})
    assert a.wait_exit(5) == 2
    err = a.stderr_text().strip()
    assert err and "\n" not in err, f"expected one line on stderr, got {err!r}"
    assert a.stdout_bytes == 0


@pytest.mark.parametrize("option", TIMEOUT_OPTIONS)
def test_timeout_option_at_its_maximum_is_accepted(adapter_factory, standin, option):
    a = start(adapter_factory, standin, option, "600000")
    assert expect_result(a.call("image.models")) == standin.models


def test_connect_timeout_option_is_documented_in_help(adapter_factory):
    out = subprocess.run([rpc.BIN, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert "--connect-timeout-ms" in out.stdout + out.stderr


def test_connect_timeout_applies_to_each_attempt(adapter_factory):
    """--connect-timeout-ms bounds the TCP connect, independently of --request-timeout-ms:
    against a port whose connects never complete, a GET gives up after four short attempts."""
    with BlackholeServer() as hole:
        a = start(adapter_factory, None, "--connect-timeout-ms", "200", "--request-timeout-ms", "30000",
                  base_url=f"http://127.0.0.1:{hole.port}")
        t0 = time.monotonic()
        err = expect_error(a.call("image.models", timeout=15), -32013)
        elapsed = time.monotonic() - t0
        assert err["data"]["attempts"] == 4, err
        assert "httpStatus" not in err["data"]
        assert 0.75 <= elapsed < 4, f"{elapsed:.2f}s for four 200 ms connect timeouts"


# ---------------------------------------------------------------------------
# Nothing written under $HOME
# ---------------------------------------------------------------------------


def test_http_layer_writes_nothing_under_home(adapter_factory, standin, tmp_path):
    """The HTTP layer keeps no state on disk (no cookie jar, HSTS or alt-svc cache, no
    .netrc written): a generate with saved URL images, a status and a model list leave $HOME
    (and the working directory) empty."""
    home, cwd, out = tmp_path / "home", tmp_path / "cwd", tmp_path / "out"
    home.mkdir()
    cwd.mkdir()
    env = rpc.clean_env({"HOME": str(home), "AITOEARN_API_KEY": KEY})
    for name in [k for k in env if k.startswith("XDG_")]:
        del env[name]  # the XDG defaults live under $HOME
    a = track(adapter_factory(["--base-url", standin.base_url, *FAST_RETRY], env=env, cwd=cwd))
    result = expect_result(a.call("image.generate", gen(n=2, pollIntervalMs=20, saveTo=str(out)), timeout=10))
    assert len(result["saved"]) == 2 and all(Path(p).resolve().parent == out.resolve() for p in result["saved"])
    expect_result(a.call("task.status", {"logId": result["logId"]}))
    expect_result(a.call("image.models"))
    assert standin.count("image") == 2
    assert a.finish(5) == 0
    assert all_files(home) == [], f"written under $HOME: {all_files(home)}"
    assert all_files(cwd) == [], f"written in the working directory: {all_files(cwd)}"


# ---------------------------------------------------------------------------
# Proxies, decided per transfer
# ---------------------------------------------------------------------------


def run_with_images(a, standin, out):
    """submit + polls + models + task.status + two URL images saved."""
    result = expect_result(a.call("image.generate", gen(n=2, pollIntervalMs=20, saveTo=str(out)), timeout=10))
    expect_result(a.call("image.models"))
    expect_result(a.call("task.status", {"logId": result["logId"]}))
    return result


def test_upper_case_http_proxy_alone_is_honoured(adapter_factory, standin, proxy, tmp_path):
    """README "Options": HTTP_PROXY in upper case only (no http_proxy, no NO_PROXY) carries the
    URL images; the API, on plain http (loopback), is reached directly so that the proxy never
    reads the key in clear."""
    a = start(adapter_factory, standin, extra_env={"HTTP_PROXY": proxy.url})
    run_with_images(a, standin, tmp_path / "out")
    seen = proxy.requests
    targets = [(r.method, urllib.parse.urlsplit(r.target).path) for r in seen]
    assert len(seen) == 2 and all(p.startswith("/images/") for _, p in targets), targets
    assert all(r.headers.get("X-Api-Key") is None for r in seen)


@pytest.mark.parametrize("listed", ["image-host", "other-host"])
def test_no_proxy_is_decided_per_host(adapter_factory, standin, proxy, tmp_path, listed):
    """README "Options": NO_PROXY (upper case) is read per host: the images, on localhost (same
    stand-in, another host name), go direct when NO_PROXY lists localhost and through HTTP_PROXY
    when it lists another host. The API, on plain http, is direct either way (the key)."""
    standin.image_base_url = f"http://localhost:{standin.port}"
    a = start(adapter_factory, standin, extra_env={"HTTP_PROXY": proxy.url,
                                                   "NO_PROXY": "localhost" if listed == "image-host" else "example.invalid"})
    run_with_images(a, standin, tmp_path / "out")
    proxied = [urllib.parse.urlsplit(r.target) for r in proxy.requests]
    api = [r for r in standin.requests if r.endpoint != "image"]
    images = standin.requests_for("image")
    assert len(images) == 2 and len(api) >= 4
    if listed == "image-host":
        assert proxied == [], proxied
    else:
        assert all(u.hostname == "localhost" and u.path.startswith("/images/") for u in proxied), proxied
        assert len(proxied) == len(images), "the images should go through the proxy"
