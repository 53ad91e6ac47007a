"""The shapes of the latest adversarial pass, as tests (issue "Never lose a billed job, never let a
proxy or a crafted value past a rule"): fake loopback base URLs, keys that would split a header,
FIFOs and symlinks as edit inputs, floods of repeated response headers, and data URIs that the
service would not read as images."""

from __future__ import annotations

import base64
import os
import subprocess
import time

import pytest

import rpc
from main_support import KEY, expect_error, expect_result, gen, proxy, standin, start_adapter  # noqa: F401 (fixtures)
from standin import Standin
from standin import make_png

TIME_SCALE = float(os.environ.get("AITOEARN_TEST_TIME_SCALE", "1"))
# CPU-time bounds: a sanitizer build spends several times the CPU (scripts/test --tsan sets it).
CPU_SCALE = float(os.environ.get("AITOEARN_TEST_CPU_SCALE", "1"))
PNG = make_png()
B64 = base64.b64encode(PNG).decode()


def run_binary(*args: str, env: dict | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([rpc.BIN, *args], input=stdin, capture_output=True, timeout=10,
                          env=rpc.clean_env(env or {}))


def edit(**kw):
    p = {"prompt": "make it blue", "model": "gpt-image-1", "pollIntervalMs": 10}
    p.update(kw)
    return p


# ---------------------------------------------------------------------------
# M1: plain http only for a literal loopback address or localhost
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.evil.example", "http://127.0.0.1.evil.example:8080",
                                 "http://localhost.evil.example", "http://[::2]:9", "http://10.0.0.1"])
def test_a_fake_loopback_base_url_is_refused_at_start(url, standin):
    r = run_binary("--base-url", url, env={"AITOEARN_API_KEY": KEY})
    assert r.returncode == 2, r
    assert b"must use https" in r.stderr and r.stdout == b""
    assert KEY.encode() not in r.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "localhost", "[::ffff:127.0.0.1]"])
def test_real_loopback_base_urls_are_accepted(adapter_factory, standin, host):
    a = start_adapter(adapter_factory, None, base_url=f"http://{host}:{standin.port}")
    assert expect_result(a.call("image.models")) == standin.models


# ---------------------------------------------------------------------------
# M6: a key with a control character or outside visible ASCII is refused before any request
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk-abc\r\nX-Evil: 1", "sk-abc\ndef", "sk abc", "sk-\x7fabc", "sk-ключ"])
def test_a_crafted_key_in_the_environment_is_refused_at_start(standin, key):
    r = run_binary("--base-url", standin.base_url, env={"AITOEARN_API_KEY": key})
    assert r.returncode == 2, r
    assert b"API key" in r.stderr and b"AITOEARN_API_KEY" in r.stderr
    assert standin.requests == []


def test_a_crafted_key_in_a_key_file_is_refused_at_start(standin, tmp_path):
    path = tmp_path / "key"
    path.write_bytes(b"sk-abc\r\nX-Smuggled: 1\n")  # the trailing newline alone would be trimmed
    r = run_binary("--base-url", standin.base_url, "--api-key-file", str(path))
    assert r.returncode == 2 and b"--api-key-file" in r.stderr, r
    assert b"X-Smuggled" not in r.stderr


def test_a_crafted_key_in_initialization_options_is_refused(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    err = expect_error(a.call("initialize", {"initializationOptions": {"apiKey": "sk-1\r\nHost: evil"}}), -32602)
    assert err["data"]["errors"][0]["path"] == "initializationOptions.apiKey"
    assert "evil" not in err["message"]
    expect_error(a.call("image.generate", gen()), -32001)
    assert standin.count("submit") == 0 and standin.count("status") == 0


# ---------------------------------------------------------------------------
# M2 and L8: local edit inputs never block the adapter; symlinks and NULs
# ---------------------------------------------------------------------------


def test_a_fifo_as_an_edit_input_is_refused_and_the_adapter_keeps_answering(adapter_factory, standin, tmp_path):
    fifo = tmp_path / "looks.png"
    os.mkfifo(fifo)
    a = start_adapter(adapter_factory, standin)
    # More FIFOs at once than the machine has cores: a blocking open would wedge every thread.
    ids = [a.request("image.edit", edit(image=str(fifo))) for _ in range(4)]
    for rid in ids:
        err = expect_error(a.wait_response(rid, timeout=3 * TIME_SCALE)[0], -32602)
        assert "not a regular file" in err["data"]["errors"][0]["message"], err
    assert expect_result(a.call("image.models"))
    assert standin.count("edit") == 0


def test_a_symlink_to_a_real_png_is_read(adapter_factory, standin, tmp_path):
    real = tmp_path / "real.png"
    real.write_bytes(PNG)
    link = tmp_path / "link.png"
    link.symlink_to(real)
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.edit", edit(image=str(link))))
    assert standin.requests_for("edit")[0].json["image"] == "data:image/png;base64," + B64


def test_a_path_with_a_nul_is_refused(adapter_factory, standin, tmp_path):
    (tmp_path / "ok.png").write_bytes(PNG)
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(image=str(tmp_path / "ok.png") + "\u0000.txt")), -32602)
    assert "NUL" in err["data"]["errors"][0]["message"], err
    assert standin.count("edit") == 0


# ---------------------------------------------------------------------------
# M7: repeated response headers cost what reading them once costs
# ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads CPU time from /proc")
def test_300_kb_of_repeated_headers_cost_under_50_ms_of_cpu(adapter_factory, standin):
    log_id = standin.add_job(pending_polls=None)
    body = rpc.dumps({"code": 0, "message": "ok", "data": {"logId": log_id, "status": "generating"}})
    flood = [("X-Flood", "a" * 40)] * 6_000  # 6,000 lines of ~51 bytes: ~300 KB
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.models"))  # libcurl loaded and warm
    before = cpu_seconds(a.proc.pid)
    standin.inject("status", "raw", status=200, headers=[("Content-Type", "application/json")] + flood, body=body)
    status = expect_result(a.call("task.status", {"logId": log_id}, timeout=10))
    spent = cpu_seconds(a.proc.pid) - before
    assert status["status"] == "generating"
    assert spent < 0.05 * CPU_SCALE, f"one reply with 300 KB of headers cost {spent * 1000:.0f} ms of CPU"


# ---------------------------------------------------------------------------
# M9: data URIs as the service reads them (WHATWG), sent in one canonical form
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("uri", [
    f"data:image/png;base64;x=1,{B64}",        # ;base64 not last: percent-encoded text to the service
    f"data:image/png;charset=x,{B64}",         # no ;base64 at all
    f"data:image/png;base64,{B64}A",           # padding in the middle: not base64
    "data:image/png;base64," + base64.b64encode(b"GIF89a" + bytes(20)).decode(),
])
def test_a_data_uri_the_service_would_not_read_as_an_image_is_refused_with_no_post(adapter_factory, standin, uri):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.edit", edit(image=uri)), -32602)
    assert err["data"]["errors"][0]["path"] in ("image", "/image", "image[0]"), err
    assert standin.count("edit") == 0


@pytest.mark.parametrize("written", [
    f"data:image/svg+xml;base64,{B64}",                   # the label lies: the bytes are a PNG
    f"DATA:IMAGE/PNG;BASE64,{B64}",
    f"data:image/png;base64,{B64.rstrip('=')}",           # padding is optional
    "data:image/png;base64," + "%2B".join(B64.split("+")),  # percent-encoded, then base64
    f"data:image/png ; BASE64 ,{B64[:20]}\n {B64[20:]}",
])
def test_inline_inputs_go_out_in_one_canonical_form(adapter_factory, standin, tmp_path, written):
    local = tmp_path / "no-extension"
    local.write_bytes(PNG)
    standin.pending_polls = 0
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("image.edit", edit(image=[written, str(local)])))
    sent = standin.requests_for("edit")[0].json["image"]
    assert sent == ["data:image/png;base64," + B64] * 2


# ---------------------------------------------------------------------------
# M3: through a proxy, image hosts obey the address policy too (the proxy would fetch anything)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("url,words", [
    ("http://2852039166/latest/meta-data", "bare or IPv4-mapped number"),        # 169.254.169.254 as one number
    ("http://0xa9fea9fe/latest/meta-data", "bare or IPv4-mapped number"),
    ("http://[::ffff:a9fe:a9fe]/latest/meta-data", "bare or IPv4-mapped number"),
    ("http://169.254.169.254/latest/meta-data", "link-local network, which is refused"),
    ("http://[fe80::1]/x.png", "link-local network, which is refused"),
], ids=["decimal", "hex", "v4-mapped", "dotted", "fe80"])
def test_proxied_image_hosts_obey_the_address_policy(adapter_factory, standin, tmp_path, url, words):
    with Standin(api_key=KEY) as recorder:  # a "proxy" that records what it is asked and forwards nothing
        a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": recorder.base_url, "NO_PROXY": ""})
        standin.plan_job(images=[{"url": url}], pending_polls=0)
        err = expect_error(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))), -32015)
        assert words in err["data"]["reason"], err
        assert recorder.requests == [], f"the proxy was asked for {[(r.method, r.path) for r in recorder.requests]}"


def test_a_proxied_redirect_to_link_local_is_refused_before_the_proxy_is_asked(adapter_factory, standin, proxy, tmp_path):
    standin.image_base_url = f"http://localhost:{standin.port}"  # a name: proxied (the API, plain http, is not)
    first = standin.redirect_to_url("http://169.254.169.254/latest/meta-data")
    a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": proxy.url, "NO_PROXY": ""})
    standin.plan_job(images=[{"url": first}], pending_polls=0)
    err = expect_error(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))), -32015)
    assert "169.254.169.254" in err["data"]["reason"], err
    targets = [r.target for r in proxy.requests]
    assert len(targets) == 1 and "redirect-to" in targets[0], targets


def test_proxied_redirects_to_allowed_hosts_are_followed(adapter_factory, standin, proxy, tmp_path):
    standin.image_base_url = f"http://localhost:{standin.port}"
    a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": proxy.url, "NO_PROXY": ""})
    standin.plan_job(images=[{"url": standin.redirect_chain_url(3, "fox.png")}], pending_polls=0)
    result = expect_result(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))))
    assert len(result["saved"]) == 1 and len(proxy.requests) == 4


# ---------------------------------------------------------------------------
# M5: proxy credentials, https proxies, bracketed IPv6 proxies; a 407 blames the proxy
# ---------------------------------------------------------------------------


def test_proxy_credentials_reach_the_proxy(adapter_factory, standin, proxy, tmp_path):
    standin.image_base_url = f"http://localhost:{standin.port}"
    user_url = proxy.url.replace("http://", "http://alice:s%40cret@")
    a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": user_url, "NO_PROXY": ""})
    standin.plan_job(pending_polls=0)
    expect_result(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))))
    [seen] = proxy.requests
    expected = "Basic " + base64.b64encode(b"alice:s@cret").decode()
    assert seen.headers.get("Proxy-Authorization") == expected, seen.headers


def test_a_bracketed_ipv6_proxy_is_used(adapter_factory, standin, tmp_path):
    import socket
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    from standin import ForwardingProxy
    with ForwardingProxy(host="::1") as p6:
        standin.image_base_url = f"http://localhost:{standin.port}"
        a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": f"http://[::1]:{p6.port}", "NO_PROXY": ""})
        standin.plan_job(pending_polls=0)
        expect_result(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))))
        assert len(p6.requests) == 1


def test_a_407_blames_the_proxy_not_the_service(adapter_factory, standin, tmp_path):
    with Standin(api_key=KEY) as refusing:  # every request it gets is answered 407
        refusing.inject("other", "http_html", times=10, status=407)
        refusing.inject("image", "http_html", times=10, status=407)
        standin.image_base_url = f"http://localhost:{standin.port}"
        a = start_adapter(adapter_factory, standin, extra_env={"HTTP_PROXY": refusing.base_url, "NO_PROXY": ""})
        standin.plan_job(pending_polls=0)
        err = expect_error(a.call("image.generate", gen(saveTo=str(tmp_path / "out"))), -32015)
        assert "proxy refused" in err["data"]["reason"] and "407" in err["data"]["reason"], err


# ---------------------------------------------------------------------------
# M8: the 2026-07-28 per-request envelope is enforced (-32602), as that revision requires
# ---------------------------------------------------------------------------

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"},
               "io.modelcontextprotocol/clientCapabilities": {}}


def without(key):
    return {k: v for k, v in MODERN_META.items() if k != key}


@pytest.mark.parametrize("meta", [
    without("io.modelcontextprotocol/clientCapabilities"),
    {**MODERN_META, "io.modelcontextprotocol/clientCapabilities": "all"},
    {**MODERN_META, "io.modelcontextprotocol/clientCapabilities": None},
    {**MODERN_META, "io.modelcontextprotocol/logLevel": "loud"},
    {**MODERN_META, "io.modelcontextprotocol/logLevel": 3},
], ids=["no-capabilities", "capabilities-string", "capabilities-null", "loglevel-loud", "loglevel-number"])
def test_a_malformed_2026_envelope_is_invalid_params(adapter_factory, tmp_path, meta):
    a = adapter_factory(["--simulate", "--image-dir", str(tmp_path)], framing="ndjson")
    err = expect_error(a.call("tools/list", {"_meta": meta}), -32602)
    assert "_meta" in err["message"] or "logLevel" in err["message"], err


def test_a_modern_session_refuses_requests_that_do_not_say_what_they_are(adapter_factory, tmp_path):
    a = adapter_factory(["--simulate", "--image-dir", str(tmp_path)], framing="ndjson")
    expect_result(a.call("server/discover"))  # the probe needs no _meta
    expect_result(a.call("tools/list", {"_meta": MODERN_META}))
    expect_error(a.call("tools/list"), -32602)
    expect_error(a.call("tools/list", {"_meta": without("io.modelcontextprotocol/protocolVersion")}), -32602)
    expect_result(a.call("tools/list", {"_meta": MODERN_META}))
