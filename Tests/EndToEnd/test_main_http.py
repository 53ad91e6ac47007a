"""Talking to the service (docs/protocol.md §7): headers, base URL and region, proxies,
settings precedence, initializationOptions, and the API key's secrecy."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse

import pytest

import rpc
from main_support import *  # noqa: F401,F403


def binary_version() -> str:
    out = subprocess.run([rpc.BIN, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out
    m = re.fullmatch(r"aitoearn-rpc (\S+)\n?", out.stdout)
    assert m, f"--version printed {out.stdout!r}"
    return m.group(1)


def initialize(a, options=None):
    params = {"processId": None, "capabilities": {}}
    if options is not None:
        params["initializationOptions"] = options
    return expect_result(a.call("initialize", params))


def run_everything(a, server):
    """submit + polls + models + task.status."""
    server.pending_polls = 1
    result = expect_result(a.call("image.generate", gen()))
    expect_result(a.call("image.models"))
    expect_result(a.call("task.status", {"logId": result["logId"]}))
    return result


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------


def test_every_request_carries_key_accept_user_agent_and_a_fresh_request_id(adapter_factory, standin):
    version = binary_version()
    a = start_adapter(adapter_factory, standin)
    info = initialize(a)
    assert info["serverInfo"] == {"name": "aitoearn-rpc", "version": version}
    run_everything(a, standin)
    reqs = [r for r in standin.requests if r.endpoint != "image"]
    assert {r.endpoint for r in reqs} == {"submit", "status", "models"}
    for r in reqs:
        h = r.headers
        assert h.get_all("X-Api-Key") == [KEY], (r, h)
        assert "application/json" in (h.get("Accept") or ""), (r, h)
        assert h.get("User-Agent") == f"aitoearn-rpc/{version}", (r, h)
        assert len(h.get_all("X-Request-Id")) == 1 and h.get("X-Request-Id").strip(), (r, h)
        assert h.get_all("Accept-Language") == ["en-US"], (r, h)
    ids = [r.request_id for r in reqs]
    assert len(set(ids)) == len(ids), f"X-Request-Id reused: {ids}"


@pytest.mark.parametrize("locale,sent", [("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("fr", "fr"),
                                         ("en\r\nX-Evil: 1", "en-US"), ("", "en-US")])
def test_accept_language_follows_the_initialize_locale(adapter_factory, standin, locale, sent):
    """PROTOCOL §7: the service's messages come back in the caller's language; what is not a
    language tag never reaches a header."""
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("initialize", {"capabilities": {}, "locale": locale}))
    run_everything(a, standin)
    for r in standin.requests:
        if r.endpoint != "image":
            assert r.headers.get_all("Accept-Language") == [sent], (r, r.headers)
            assert "X-Evil" not in r.headers


def test_submission_is_json_with_content_type(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.generate", gen(wait=False)))
    sub = standin.requests_for("submit")[0]
    assert (sub.headers.get("Content-Type") or "").startswith("application/json"), sub.headers
    assert json.loads(sub.body.decode("utf-8")) == sub.json


def test_every_request_carries_content_type(adapter_factory, standin):
    # docs/protocol.md §7: every request carries Accept and Content-Type: application/json.
    a = start_adapter(adapter_factory, standin)
    run_everything(a, standin)
    for r in standin.requests:
        if r.endpoint != "image":
            assert (r.headers.get("Content-Type") or "").startswith("application/json"), (r, r.headers)


# ---------------------------------------------------------------------------
# Base URL, region, precedence
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["flag", "env"])
@pytest.mark.parametrize("url", ["http://example.com", "http://10.1.2.3:8080", "http://aitoearn.ai"])
def test_plain_http_to_a_remote_host_is_refused_at_start(adapter_factory, how, url):
    args = ["--base-url", url] if how == "flag" else []
    env = {"AITOEARN_BASE_URL": url} if how == "env" else {}
    a = adapter_factory(args, extra_env=dict(env, AITOEARN_API_KEY=KEY))
    assert a.wait_exit(5) == 2
    err = a.stderr_text().strip()
    assert err and "\n" not in err, f"expected one line on stderr, got {err!r}"
    assert a.stdout_bytes == 0


@pytest.mark.parametrize("args", [["--region", "mars"], ["--base-url", "not a url"], ["--no-such-option"]])
def test_bad_options_exit_2_with_one_line(adapter_factory, args):
    a = adapter_factory(args)
    assert a.wait_exit(5) == 2
    err = a.stderr_text().strip()
    assert err and "\n" not in err, err
    assert a.stdout_bytes == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_plain_http_to_loopback_is_allowed(adapter_factory, standin, host):
    a = start_adapter(adapter_factory, standin, base_url=f"http://{host}:{standin.port}")
    expect_result(a.call("image.models", timeout=10))
    assert standin.count("models") == 1


def test_a_trailing_slash_on_the_base_url_is_harmless(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, base_url=standin.base_url + "/")
    expect_result(a.call("image.models"))
    assert [r.path for r in standin.requests] == ["/api/ai/models/image/generation"]


def test_https_base_url_is_accepted_at_start(adapter_factory):
    a = adapter_factory(["--base-url", "https://example.invalid"], extra_env={"AITOEARN_API_KEY": KEY})
    expect_result(a.call("rpc.discover"))
    assert a.alive()


def test_base_url_flag_beats_region(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, "--region", "cn")
    expect_result(a.call("image.models"))
    assert standin.count("models") == 1


def test_base_url_env_beats_region(adapter_factory, standin):
    a = adapter_factory(["--region", "cn", "--retry-base-delay-ms", "10"],
                        extra_env={"AITOEARN_BASE_URL": standin.base_url, "AITOEARN_API_KEY": KEY})
    expect_result(a.call("image.models"))
    assert standin.count("models") == 1


def test_base_url_flag_beats_env(adapter_factory, standin):
    a = adapter_factory(["--base-url", standin.base_url, "--retry-base-delay-ms", "10"],
                        extra_env={"AITOEARN_BASE_URL": f"http://127.0.0.1:{closed_port()}",
                                   "AITOEARN_API_KEY": KEY})
    expect_result(a.call("image.models"))
    assert standin.count("models") == 1


def hosts_contacted(a, proxy, trace):
    """Hosts the adapter tried to reach: CONNECT targets at the proxy, URLs in the trace."""
    hosts = {r.target.rsplit(":", 1)[0] for r in proxy.requests if r.method == "CONNECT"}
    if trace.exists():
        for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            url = (ev.get("request") or {}).get("url") if isinstance(ev, dict) else None
            if isinstance(url, str):
                hosts.add(urllib.parse.urlsplit(url).hostname)
    return hosts


@pytest.mark.parametrize("args,options,host", [
    ([], None, "aitoearn.ai"),
    (["--region", "global"], None, "aitoearn.ai"),
    (["--region", "cn"], None, "aitoearn.cn"),
    ([], {"region": "cn"}, "aitoearn.cn"),
    (["--region", "cn"], {"region": "global"}, "aitoearn.ai"),
])
def test_region_picks_the_site(adapter_factory, proxy, tmp_path, args, options, host):
    # HTTPS_PROXY points at the local proxy, which refuses CONNECT: nothing leaves the machine.
    trace = tmp_path / "trace.ndjson"
    a = adapter_factory([*args, "--trace-file", str(trace), "--retry-base-delay-ms", "10",
                         "--request-timeout-ms", "2000"],
                        extra_env={"HTTPS_PROXY": proxy.url, "https_proxy": proxy.url, "NO_PROXY": "",
                                   "AITOEARN_API_KEY": KEY})
    if options is not None:
        initialize(a, options)
    resp = a.call("image.models", timeout=15)
    assert "error" in resp
    contacted = hosts_contacted(a, proxy, trace)
    assert contacted == {host}, f"expected only {host}, the adapter contacted {contacted}"


# ---------------------------------------------------------------------------
# initializationOptions
# ---------------------------------------------------------------------------


def test_initialization_options_override_flags_and_environment(adapter_factory, standin):
    a = start_adapter(adapter_factory, None, key="sk-from-the-environment",
                      base_url=f"http://127.0.0.1:{closed_port()}")
    initialize(a, {"apiKey": KEY, "baseUrl": standin.base_url, "pollIntervalMs": 300, "timeoutMs": 800})
    standin.plan_job(pending_polls=None)  # never ends
    t0 = time.monotonic()
    resp = a.call("image.generate", {"prompt": "a red fox", "model": "gpt-image-1"}, timeout=10)
    elapsed = time.monotonic() - t0
    err = expect_error(resp, -32012)  # timeoutMs 800 from initializationOptions (default 600000)
    assert 0.79 <= elapsed < 3.0, elapsed
    sub = standin.requests_for("submit")[0]
    assert sub.headers.get("X-Api-Key") == KEY
    polls = standin.requests_for("status")
    assert polls, "no status poll"
    assert polls[0].time - sub.answered_time >= 0.28, "pollIntervalMs 300 from initializationOptions"
    assert len(polls) <= 3
    assert err["data"]["logId"] == sub.log_id


def test_request_options_beat_initialization_options(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    initialize(a, {"timeoutMs": 60000, "pollIntervalMs": 5000})
    standin.plan_job(pending_polls=None)
    t0 = time.monotonic()
    expect_error(a.call("image.generate", gen(timeoutMs=300, pollIntervalMs=20), timeout=10), -32012)
    assert time.monotonic() - t0 < 3.0


def test_api_key_file(adapter_factory, standin, tmp_path):
    secret = "sk-e2e-FILEKEY-0b1c2d3e4f"
    path = tmp_path / "key.txt"
    path.write_text(secret + "\n")
    standin.api_key = secret
    a = start_adapter(adapter_factory, standin, "--api-key-file", str(path), key=None)
    expect_result(a.call("image.generate", gen(wait=False)))
    assert standin.requests_for("submit")[0].headers.get("X-Api-Key") == secret
    assert secret not in a.stderr_text() and secret not in messages_text(a)


# ---------------------------------------------------------------------------
# The key stays secret
# ---------------------------------------------------------------------------


def leaks(text: str, key: str) -> bool:
    return key in text or key[-12:] in text


def exercise_errors_too(a, server):
    run_everything(a, server)
    server.api_key = "sk-someone-else"
    expect_error(a.call("image.generate", gen()), -32001)
    expect_error(a.call("task.status", {"logId": "0123456789abcdef01234567"}), -32001)
    server.api_key = None
    server.inject("submit", "http500_html")
    expect_error(a.call("image.generate", gen()), -32013)
    server.inject("status", "drop", times=4)
    expect_error(a.call("task.status", {"logId": "0123456789abcdef01234567"}, timeout=10), -32013)


def check_trace(trace, key):
    text = trace.read_text(encoding="utf-8", errors="replace")
    assert not leaks(text, key), "the API key is in the trace file"
    http_events = []
    for line in text.splitlines():
        ev = json.loads(line)
        if ev.get("dir") == "http":
            http_events.append(ev)
    assert http_events, "the trace has no HTTP exchange"
    for ev in http_events:
        headers = ev["request"].get("headers") or {}
        for k, v in (headers.items() if isinstance(headers, dict) else []):
            if k.lower() == "x-api-key":
                assert v != key


def test_key_from_environment_never_appears_in_output(adapter_factory, standin, tmp_path):
    trace = tmp_path / "trace.ndjson"
    a = start_adapter(adapter_factory, standin, "--log-level", "trace", "--trace-file", str(trace))
    initialize(a)
    exercise_errors_too(a, standin)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    assert any(r.headers.get("X-Api-Key") == KEY for r in standin.requests), "the key was not used"
    assert not leaks(messages_text(a), KEY), "the API key is on stdout"
    assert not leaks(a.stderr_text(), KEY), "the API key is on stderr"
    check_trace(trace, KEY)


def test_key_never_appears_in_the_log_file(adapter_factory, standin, tmp_path):
    log = tmp_path / "adapter.log"
    a = start_adapter(adapter_factory, standin, "--log-level", "trace", "--log-file", str(log))
    exercise_errors_too(a, standin)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    assert log.exists() and log.stat().st_size > 0, "--log-level trace wrote nothing to --log-file"
    assert not leaks(log.read_text(encoding="utf-8", errors="replace"), KEY)
    assert not leaks(a.stderr_text(), KEY)


def test_key_from_initialization_options_is_redacted_in_the_trace(adapter_factory, standin, tmp_path):
    secret = "sk-e2e-INITKEY-9a8b7c6d5e"
    standin.api_key = secret
    trace = tmp_path / "trace.ndjson"
    a = start_adapter(adapter_factory, standin, "--log-level", "trace", "--trace-file", str(trace), key=None)
    initialize(a, {"apiKey": secret})
    run_everything(a, standin)
    a.close_stdin()
    assert a.wait_exit(5) == 0
    assert standin.requests_for("submit")[0].headers.get("X-Api-Key") == secret
    assert not leaks(messages_text(a), secret)
    assert not leaks(a.stderr_text(), secret)
    check_trace(trace, secret)


# ---------------------------------------------------------------------------
# Proxies
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("var", ["HTTP_PROXY", "http_proxy"])
def test_http_proxy_never_carries_the_key_in_clear(adapter_factory, standin, proxy, var, tmp_path):
    """README "Options": a plain-http base URL (only ever a loopback one) is reached directly even
    with HTTP_PROXY set, since the proxy would read the key in clear; what carries no key (URL
    images) still goes through the proxy."""
    a = start_adapter(adapter_factory, standin, extra_env={var: proxy.url, "NO_PROXY": "", "no_proxy": ""})
    standin.pending_polls = 1
    result = expect_result(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))))
    expect_result(a.call("image.models"))
    expect_result(a.call("task.status", {"logId": result["logId"]}))
    seen = proxy.requests
    assert all("/images/" in r.target for r in seen), f"an API request went through the proxy: {seen!r}"
    assert len(seen) == standin.count("image") == 1, (seen, standin.requests)
    assert all(r.headers.get("X-Api-Key") is None for r in seen)


def test_no_proxy_is_honoured(adapter_factory, standin, proxy):
    a = start_adapter(adapter_factory, standin,
                      extra_env={"HTTP_PROXY": proxy.url, "http_proxy": proxy.url,
                                 "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    expect_result(a.call("image.models"))
    assert standin.count("models") == 1
    assert proxy.requests == []


@pytest.mark.parametrize("var", ["HTTPS_PROXY", "https_proxy"])
def test_https_proxy_is_honoured(adapter_factory, standin, proxy, var):
    # An https base URL on loopback: the proxy sees the CONNECT (and refuses it).
    a = start_adapter(adapter_factory, None, base_url=f"https://127.0.0.1:{standin.port}",
                      extra_env={var: proxy.url, "NO_PROXY": "", "no_proxy": ""})
    expect_error(a.call("image.models", timeout=10), -32013)
    connects = [r.target for r in proxy.requests if r.method == "CONNECT"]
    assert connects and set(connects) == {f"127.0.0.1:{standin.port}"}, proxy.requests
    assert standin.requests == []
