"""The core distrusts what comes back from the service: a submission's logId, the number and size
of the images a status lists, the image hosts it names, the waits it asks for; and the simulator
keeps its files where no one else can reach them.

README sections: "The protocol in short" (a logId is 24 hex characters; `saveTo`; the
TaskStatus result; how the process ends) and its "Errors" paragraph, called README "Errors"
below (-32010 `data.upstreamCode`/`data.upstreamMessage`, -32014 `data.retryAfterMs`, -32015
with `data.task`), "Billing safety and retries" (a submission may start a billed job;
`Retry-After`) and "Options" (`--simulate`, `--image-dir`, `--base-url`: https unless loopback;
proxies).

What each part checks:

1. a submission answered with a logId that is not 24 hex characters is -32010 at once
   (`data.upstreamCode` 0, `data.receivedLogId` cut to 100 characters), the job "may have been
   submitted and billed", and nothing more is asked of the service;
2. a job yields at most max(n, 1) images, 10 at most (`droppedImages` counts the rest), also
   through task.status, where n is the task's `request.n`; only those are saved or downloaded;
3. saving is bounded: 200 MB a job, 4 downloads at a time, within the job's `timeoutMs`;
4. every wait ends by the job's deadline, and `Retry-After` (seconds or an HTTP date) counts at
   most 60 s;
5. image downloads are http(s) only and never reach link-local addresses; loopback and private
   ones only when the API itself is local (the public-only rule is reached with an API at
   `http://127.1:PORT`: loopback for `--base-url`, not for the image rule);
6. the simulator writes its url images into a private folder (mkdtemp, 0700) removed at exit,
   or into `--image-dir`/simulator, and never follows a symlink planted at the old fixed name;
7. `saveTo` is a path, not a shell word: no `~` or `$VAR` expansion, `..` resolved lexically.

Some tests run the adapter and a stand-in inside a private network namespace (`unshare -n`,
root only) where link-local and private addresses can be given to the loopback device: there a
refused connection can be told from a missed one, and nothing can leave the machine. They are
skipped where that is not possible.
"""

from __future__ import annotations

import base64
import email.utils
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

import rpc
from standin import OMIT, PNG_SIGNATURE, RawTCPServer, png_for
from main_support import *  # noqa: F401,F403

FAST_RETRY = ("--retry-base-delay-ms", "1")
MAYBE_BILLED = "may have been submitted and billed"
MiB = 1024 * 1024
JOB_LIMIT = 200 * MiB  # "200 MB": the adapter counts binary megabytes
RETRY_AFTER_CAP_MS = 60_000
REFUSED = "is on a loopback, private or link-local network, which is refused"
STANDIN_PY = str(Path(__file__).resolve().parent / "standin.py")


def start(adapter_factory, server=None, *args, **kw):
    """The adapter against `server` (or kw base_url) with a 1 ms retry backoff."""
    return start_adapter(adapter_factory, server, *FAST_RETRY, *args, retry_delay=False, **kw)


def timed_call(a, method, params, timeout=10.0):
    """(response, seconds it took)."""
    t0 = time.monotonic()
    resp = a.call(method, params, timeout=timeout)
    return resp, time.monotonic() - t0


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def normalized(text: str, *log_ids: str) -> str:
    for log_id in log_ids:
        text = text.replace(log_id, "<logId>")
    return text


# ---------------------------------------------------------------------------
# 1. A submission's logId is checked before any use
# ---------------------------------------------------------------------------

MEGABYTE_HEX = "0123456789abcdef" * 65536  # 1 MiB, every character hex: only the length is wrong
CJK_200 = "生成" * 100

# (id, the submission's logId, the expected data.receivedLogId)
BAD_LOG_IDS = [
    ("traversal", "../../../../tmp/x", "../../../../tmp/x"),
    ("megabyte", MEGABYTE_HEX, MEGABYTE_HEX[:100] + "…"),
    ("cjk-200-chars", CJK_200, CJK_200[:100] + "…"),
    ("empty", "", ""),
    ("23-hex", "0123456789abcdef0123456", "0123456789abcdef0123456"),
    ("25-hex", "0123456789abcdef012345678", "0123456789abcdef012345678"),
    ("24-not-hex", "0123456789abcdef0123456g", "0123456789abcdef0123456g"),
    ("24-with-slash", "0123456789abcdef01/../..", "0123456789abcdef01/../.."),
    ("24-hex-newline", "0123456789abcdef01234567\n", "0123456789abcdef01234567\n"),
    ("number-24-digits", 123456789012345678901234, "123456789012345678901234"),
    ("object", {"$oid": "0123456789abcdef01234567"}, '{"$oid":"0123456789abcdef01234567"}'),
    ("null", None, "null"),
    ("missing", OMIT, "null"),
]


@pytest.mark.parametrize("answer,received", [(v, r) for _, v, r in BAD_LOG_IDS], ids=[i for i, _, _ in BAD_LOG_IDS])
def test_bad_log_id_is_32010_and_nothing_more_is_asked(adapter_factory, standin, answer, received):
    """README "Errors" (-32010) and "Billing safety and retries": the service took the
    submission (the job exists, it is billed) but answered with a logId that is not 24 hex
    characters. The error says so, echoes at most 100 characters of it, and the id is never
    used: no status poll, no request anywhere, no task.progress."""
    standin.plan_job(answer_log_id=answer, pending_polls=0)
    a = start(adapter_factory, standin)
    rid = a.request("image.generate", gen(workDoneToken="tok-1"))
    resp, notes = a.wait_response(rid, timeout=10)
    err = expect_error(resp, -32010)
    data = err["data"]
    assert data["upstreamCode"] == 0, err
    assert isinstance(data["upstreamMessage"], str) and data["upstreamMessage"], err
    assert data["receivedLogId"] == received
    assert MAYBE_BILLED in err["message"], err
    assert "logId" not in data, "an unusable id must not be handed back as the job's id"
    assert_english(err)
    [post] = standin.requests_for("submit")
    assert data["upstreamRequestId"] == post.request_id
    assert standin.job(post.log_id).polls == 0  # the job was made upstream
    # Nothing follows the submission: no poll of the bad id (nor of any other), no GET at all.
    assert observe_quiet(standin, None, 0.4) == 0
    assert standin.requests == [post], standin.requests
    assert progress_of(a, rid) == [], "task.progress sent for a job whose id is unusable"
    if isinstance(answer, str) and answer:
        for n in notes:
            assert answer[:24] not in json.dumps(n, ensure_ascii=False), n
    # The answer stays small even when the id was a megabyte.
    assert max(len(f) for f in a.frames) < 4096


def test_bad_log_id_with_wait_false_is_32010(adapter_factory, standin):
    """README "The protocol in short": with `wait: false` the result is `{logId, status}`, so an
    unusable logId cannot be handed back either."""
    standin.plan_job(answer_log_id="../../../../tmp/x")
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(wait=False)), -32010)
    assert err["data"]["receivedLogId"] == "../../../../tmp/x"
    assert MAYBE_BILLED in err["message"]
    assert observe_quiet(standin, None, 0.3) == 0
    assert [r.endpoint for r in standin.requests] == ["submit"]
    assert a.notifications("task.progress") == []


def test_upper_case_hex_log_id_is_used(adapter_factory, standin):
    """README "The protocol in short": 24 hexadecimal characters, in either case, is a logId."""
    upper = "0123456789ABCDEF01234567"
    standin.plan_job(log_id=upper)
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(), timeout=10))
    assert result["logId"] == upper and result["status"] == "success"
    assert [r.path for r in standin.requests_for("status")] == ["/api/ai/image/task/" + upper] * 2


# ---------------------------------------------------------------------------
# 2. At most max(n, 1) images, 10 at most
# ---------------------------------------------------------------------------


def b64_images(count: int) -> list[dict]:
    return [{"b64_json": base64.b64encode(png_for(f"/b64/{i}")).decode("ascii"), "revised_prompt": f"#{i}"}
            for i in range(count)]


def url_images(server: Standin, count: int, log_id: str = "many") -> list[dict]:
    return [{"url": server.image_url(f"{log_id}/img-{i}.png"), "revised_prompt": f"#{i}"} for i in range(count)]


def check_cut(result: dict, served: dict, allowed: int) -> None:
    """`result` is `served` with images cut to `allowed` and droppedImages added (and saved)."""
    assert result["images"] == served["images"][:allowed]
    assert result["droppedImages"] == len(served["images"]) - allowed
    assert without(result, "images", "droppedImages", "saved") == without(served, "images")


def test_n1_with_10000_b64_images_yields_one(adapter_factory, standin, tmp_path):
    """README "The protocol in short": the result is the final TaskStatus, with `images` cut
    to n (1) and `droppedImages`; with saveTo only that image is written."""
    standin.plan_job(images=b64_images(10_000))
    out = tmp_path / "out"
    a = start(adapter_factory, standin)
    rid = a.request("image.generate", gen(n=1, response_format="b64_json", saveTo=str(out)))
    result = expect_result(a.wait_response(rid, timeout=20)[0])
    served = standin.last_served(result["logId"])
    assert len(served["images"]) == 10_000
    check_cut(result, served, 1)
    assert result["droppedImages"] == 9_999
    [saved] = [Path(p) for p in result["saved"]]
    assert files_in(tmp_path) == [saved]
    assert saved.read_bytes() == png_for("/b64/0")
    assert standin.count("image") == 0
    for n in a.notifications():
        assert "b64_json" not in json.dumps(n), "a notification carried image data"


def test_n3_with_300_url_images_downloads_three(adapter_factory, standin, tmp_path):
    """README "The protocol in short" (saveTo): only the allowed URLs are downloaded."""
    standin.plan_job(images=url_images(standin, 300))
    out = tmp_path / "out"
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=3, saveTo=str(out)), timeout=20))
    check_cut(result, standin.last_served(result["logId"]), 3)
    assert result["droppedImages"] == 297
    assert len(result["saved"]) == 3 and len(files_in(tmp_path)) == 3
    for i, p in enumerate(result["saved"]):
        assert Path(p).read_bytes() == png_for(f"/images/many/img-{i}.png")
    assert observe_quiet(standin, "image", 0.2) == 0
    assert sorted(r.path for r in standin.requests_for("image")) == [f"/images/many/img-{i}.png" for i in range(3)]


def test_n_omitted_means_one_image(adapter_factory, standin, tmp_path):
    """README "The protocol in short": n defaults to 1 upstream, and so does the allowance."""
    standin.plan_job(images=url_images(standin, 5))
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(saveTo=str(tmp_path)), timeout=10))
    assert "n" not in standin.requests_for("submit")[0].json
    check_cut(result, standin.last_served(result["logId"]), 1)
    assert len(files_in(tmp_path)) == 1 and standin.count("image") == 1


def test_n10_with_25_images_downloads_ten(adapter_factory, standin, tmp_path):
    standin.plan_job(images=url_images(standin, 25))
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=10, saveTo=str(tmp_path)), timeout=20))
    check_cut(result, standin.last_served(result["logId"]), 10)
    assert len(files_in(tmp_path)) == 10
    assert sorted(r.path for r in standin.requests_for("image")) == sorted(
        f"/images/many/img-{i}.png" for i in range(10))


@pytest.mark.parametrize("listed", [1, 2], ids=["fewer", "as-many"])
def test_no_dropped_images_when_the_status_keeps_to_n(adapter_factory, standin, listed):
    standin.plan_job(images=url_images(standin, listed))
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=2), timeout=10))
    assert result == standin.last_served(result["logId"])
    assert "droppedImages" not in result


def test_the_callers_n_bounds_the_images_even_if_the_status_says_otherwise(adapter_factory, standin, tmp_path):
    """README "The protocol in short": image.generate asked for n=1; a status that claims the
    job was asked for 10 (its `request` echo) and lists 10 images still yields one image."""
    params = gen(n=1, saveTo=str(tmp_path))
    standin.plan_job(images=url_images(standin, 10),
                     extra={"request": {"prompt": params["prompt"], "model": params["model"], "n": 10}})
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", params, timeout=10))
    assert result["request"]["n"] == 10  # the service's echo, passed through verbatim
    assert len(result["images"]) == 1 and result["droppedImages"] == 9
    assert len(result["saved"]) == 1 and standin.count("image") == 1


@pytest.mark.parametrize("wait", [False, True], ids=["wait-false", "wait-true"])
def test_task_status_cuts_to_the_tasks_request_n(adapter_factory, standin, tmp_path, wait):
    """README "The protocol in short" (task.status): the allowance is the task's `request.n`."""
    log_id = standin.add_job({"prompt": "x", "model": "gpt-image-1", "n": 2},
                             images=url_images(standin, 300, "ts"), pending_polls=1 if wait else 0)
    a = start(adapter_factory, standin)
    params = {"logId": log_id, "saveTo": str(tmp_path / "out")}
    if wait:
        params.update(wait=True, pollIntervalMs=10)
    result = expect_result(a.call("task.status", params, timeout=10))
    check_cut(result, standin.last_served(log_id), 2)
    assert result["droppedImages"] == 298
    assert len(result["saved"]) == 2 and len(files_in(tmp_path)) == 2
    assert sorted(r.path for r in standin.requests_for("image")) == [f"/images/ts/img-{i}.png" for i in range(2)]
    assert standin.count("status") == (2 if wait else 1)


@pytest.mark.parametrize("asked,allowed", [(50, 10), (0, 1), (-3, 1), (None, 1)],
                         ids=["n50", "n0", "n-3", "no-n"])
def test_task_status_allowance_is_max_n_1_at_most_10(adapter_factory, standin, asked, allowed):
    request = {"prompt": "x", "model": "gpt-image-1"}
    if asked is not None:
        request["n"] = asked
    log_id = standin.add_job(request, images=b64_images(60))
    a = start(adapter_factory, standin)
    result = expect_result(a.call("task.status", {"logId": log_id}))
    check_cut(result, standin.last_served(log_id), allowed)


def test_save_failure_keeps_the_cut_task(adapter_factory, standin, tmp_path):
    """README "Errors" (-32015 keeps the job in data.task): the task there is the cut one."""
    images = [{"url": standin.image_url("missing-0.png")}] + url_images(standin, 299)
    standin.plan_job(images=images)
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(n=1, saveTo=str(tmp_path)), timeout=10), -32015)
    task = err["data"]["task"]
    assert task["images"] == images[:1] and task["droppedImages"] == 299
    assert [r.path for r in standin.requests_for("image")] == ["/images/missing-0.png"]


# ---------------------------------------------------------------------------
# 3. Saving is bounded: 200 MB a job, 4 downloads at a time, within timeoutMs
# ---------------------------------------------------------------------------


def huge_images(server: Standin, count: int, size: int) -> list[dict]:
    return [{"url": server.image_url(f"huge-{i}.png?bytes={size}")} for i in range(count)]


def test_images_over_200_mb_in_total_are_32015(adapter_factory, standin, tmp_path):
    """README "Errors" (-32015 with data.task): five images of 41 MiB, each under the 50 MB
    limit, 205 MiB together; no more than 200 MB reaches the disk, and what does is whole."""
    size = 41 * MiB
    standin.plan_job(images=huge_images(standin, 5, size))
    out = tmp_path / "out"
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(n=5, saveTo=str(out)), timeout=30), -32015)
    data = err["data"]
    assert "200 MB" in err["message"] and "200 MB" in data["reason"], err
    assert data["task"] == standin.last_served(data["logId"])
    assert data["task"]["status"] == "success" and len(data["task"]["images"]) == 5
    assert_english(err)
    written = files_in(tmp_path)
    assert sum(f.stat().st_size for f in written) <= JOB_LIMIT
    for f in written:
        assert f.parent == out and f.name.startswith(data["logId"] + "-"), f
        assert f.stat().st_size == size, f"{f} is not a whole image"


def test_images_just_under_200_mb_are_saved(adapter_factory, standin, tmp_path):
    """The other side of the limit: four images of 49 MiB (196 MiB) are saved."""
    size = 49 * MiB
    standin.plan_job(images=huge_images(standin, 4, size))
    a = start(adapter_factory, standin)
    result = expect_result(a.call("image.generate", gen(n=4, saveTo=str(tmp_path)), timeout=30))
    assert [Path(p).stat().st_size for p in result["saved"]] == [size] * 4


def test_no_download_starts_once_200_mb_are_in(adapter_factory, standin, tmp_path):
    """README "Errors" (-32015): ten images of 45 MiB. Any five pass 200 MB; with four downloads
    at a time, at most eight can have started by then (four, plus one after each of the first
    four to finish), so images 9 and 10 are never requested: the 200 MB bound holds for what
    is downloaded, not only for what is written."""
    standin.plan_job(images=huge_images(standin, 10, 45 * MiB))
    a = start(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(n=10, saveTo=str(tmp_path)), timeout=30), -32015)
    assert "200 MB" in err["data"]["reason"]
    gets = standin.requests_for("image")
    sent = sum(r.bytes_sent or 0 for r in gets)
    assert len(gets) <= 8, (f"{len(gets)} image downloads started and {sent / MiB:.0f} MiB were sent for "
                            f"a job limited to 200 MB")


def test_downloads_run_four_at_a_time(adapter_factory, standin, tmp_path):
    """README "The protocol in short" (saveTo): ten URL images, each held by the stand-in until
    released: four requests arrive together, and no fifth while they are held."""
    standin.plan_job(images=url_images(standin, 10))
    standin.inject("image", "hold", times=10, timeout=10)
    a = start(adapter_factory, standin)
    rid = a.request("image.generate", gen(n=10, saveTo=str(tmp_path), timeoutMs=30000))
    standin.wait_for("image", 4, timeout=5)
    assert observe_quiet(standin, "image", 0.4) == 0, "a fifth download started while four were running"
    assert standin.in_flight("image") == 4
    standin.release()
    result = expect_result(a.wait_response(rid, timeout=10)[0])
    assert len(result["saved"]) == 10 and len(files_in(tmp_path)) == 10
    assert standin.count("image") == 10
    assert standin.max_in_flight("image") == 4


@pytest.mark.parametrize("stalled", [1, 3])
def test_a_stalled_image_host_is_given_up_by_the_jobs_deadline(adapter_factory, standin, tmp_path, stalled):
    """README "Errors" (-32015) and "Options" (--request-timeout-ms, 30 s by default): saving
    shares the job's timeoutMs (1500 ms); several stalled downloads end together, in parallel."""
    standin.plan_job(images=url_images(standin, stalled), pending_polls=0)
    standin.inject("image", "hold", times=stalled, timeout=20)
    a = start(adapter_factory, standin)
    err, took = timed_call(a, "image.generate", gen(n=stalled, saveTo=str(tmp_path), timeoutMs=1500), timeout=10)
    err = expect_error(err, -32015)
    assert 1.2 <= took <= 2.2, f"answered after {took:.2f}s for a job with timeoutMs 1500"
    given = re.search(r"no answer within (\d+) ms", err["data"]["reason"])
    assert given and int(given.group(1)) <= 1500, err["data"]["reason"]
    assert err["data"]["task"] == standin.last_served(err["data"]["logId"])
    assert standin.count("image") == stalled
    assert files_in(tmp_path) == []
    assert_english(err)


def test_task_status_save_shares_its_timeout(adapter_factory, standin, tmp_path):
    """README "The protocol in short" (task.status with timeoutMs and saveTo)."""
    log_id = standin.add_job(images=url_images(standin, 1))
    standin.inject("image", "hold", timeout=20)
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "task.status", {"logId": log_id, "saveTo": str(tmp_path), "timeoutMs": 1500})
    err = expect_error(resp, -32015)
    assert 1.2 <= took <= 2.2, f"answered after {took:.2f}s for timeoutMs 1500"
    given = re.search(r"no answer within (\d+) ms", err["data"]["reason"])
    assert given and int(given.group(1)) <= 1500, err["data"]["reason"]
    assert err["data"]["logId"] == log_id


# ---------------------------------------------------------------------------
# 4. Every wait ends by the job's deadline; Retry-After counts at most 60 s
# ---------------------------------------------------------------------------

# "At once": well before any wait the test could cause (a deadline of 2 s or more).
AT_ONCE = 0.5 * rpc.TIME_SCALE
FAR_DATE = email.utils.formatdate(time.time() + 10 * 365 * 86400, usegmt=True)  # ten years from now


@pytest.mark.parametrize("timeout_ms", [2000, 5000])
@pytest.mark.parametrize("retry_after", ["99999999", FAR_DATE], ids=["seconds", "http-date"])
def test_submit_429_with_a_long_retry_after_is_32014_at_once(adapter_factory, standin, retry_after, timeout_ms):
    """README "Errors" (-32014 `data.retryAfterMs`) and "Billing safety and retries": a wait
    that would pass the job's deadline is not made; Retry-After counts at most 60 s."""
    standin.inject("submit", "http429", retry_after=retry_after, times=5)
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=timeout_ms))
    err = expect_error(resp, -32014)
    assert took < AT_ONCE, f"answered after {took:.2f}s"
    assert err["data"]["retryAfterMs"] == RETRY_AFTER_CAP_MS, err
    [post] = standin.requests_for("submit")
    assert err["data"]["upstreamRequestId"] == post.request_id
    assert observe_quiet(standin, None, 0.3) == 0
    assert standin.requests == [post]
    assert_english(err)


def test_retry_after_shorter_than_the_cap_but_past_the_deadline(adapter_factory, standin):
    standin.inject("submit", "http429", retry_after="3", times=5)
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=2000))
    err = expect_error(resp, -32014)
    assert took < AT_ONCE and err["data"]["retryAfterMs"] == 3000, (took, err)
    assert standin.count("submit") == 1


def test_retry_after_within_the_deadline_is_waited_for(adapter_factory, standin):
    """README "Billing safety and retries": Retry-After: 1 fits in timeoutMs 5000."""
    standin.inject("submit", "http429", retry_after="1")
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=5000))
    assert expect_result(resp)["status"] == "success"
    first, second = standin.requests_for("submit")
    assert second.time - first.answered_time >= 0.95


def test_retry_after_date_in_the_past_means_now(adapter_factory, standin):
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    standin.inject("submit", "http429", retry_after=past)
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=5000))
    assert expect_result(resp)["status"] == "success" and took < 1.5 * rpc.TIME_SCALE
    assert standin.count("submit") == 2


def test_429_without_retry_after_past_the_deadline_has_no_retry_after_ms(adapter_factory, standin):
    """README "Errors": `data.retryAfterMs` comes from a Retry-After header, when there was one
    (schemas/openrpc.json, RateLimitedErrorData). A backoff of 2.5-5 s does not fit in 1 s."""
    standin.inject("submit", "http429", retry_after=None, times=5)
    a = start_adapter(adapter_factory, standin, "--retry-base-delay-ms", "5000", retry_delay=False)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=1000))
    err = expect_error(resp, -32014)
    assert took < AT_ONCE
    assert standin.count("submit") == 1
    assert "retryAfterMs" not in err["data"], err


def test_a_backoff_past_the_deadline_is_not_waited_for(adapter_factory, standin):
    """README "Billing safety and retries" (status requests are retried after a 5xx, with
    backoff): a backoff of 2.5-5 s does not fit in timeoutMs 1000, so the failure is reported
    at once instead of after the wait."""
    log_id = standin.add_job()
    standin.inject("status", "http503_html", times=5)
    a = start_adapter(adapter_factory, standin, "--retry-base-delay-ms", "5000", retry_delay=False)
    resp, took = timed_call(a, "task.status", {"logId": log_id, "wait": True, "pollIntervalMs": 10,
                                                "timeoutMs": 1000})
    err = expect_error(resp, -32013)
    assert took < AT_ONCE, f"answered after {took:.2f}s"
    assert err["data"]["httpStatus"] == 503 and err["data"]["attempts"] == 1, err
    assert standin.count("status") == 1


@pytest.mark.parametrize("wait", [True, False], ids=["wait-true", "wait-false"])
@pytest.mark.parametrize("retry_after", ["99999999", FAR_DATE], ids=["seconds", "http-date"])
def test_task_status_429_with_a_long_retry_after_is_32014_at_once(adapter_factory, standin, wait, retry_after):
    """README "Errors" (-32014): a status request rate-limited past the request's timeoutMs."""
    log_id = standin.add_job()
    standin.inject("status", "http429", retry_after=retry_after, times=5)
    a = start(adapter_factory, standin)
    params = {"logId": log_id, "timeoutMs": 2000}
    if wait:
        params.update(wait=True, pollIntervalMs=10)
    resp, took = timed_call(a, "task.status", params)
    err = expect_error(resp, -32014)
    assert took < AT_ONCE, f"answered after {took:.2f}s"
    assert err["data"]["retryAfterMs"] == RETRY_AFTER_CAP_MS, err
    [get] = standin.requests_for("status")
    assert err["data"]["upstreamRequestId"] == get.request_id
    if wait:
        assert err["data"]["logId"] == log_id
    assert observe_quiet(standin, None, 0.3) == 0


def test_generate_poll_429_with_a_long_retry_after_is_32014_at_once(adapter_factory, standin):
    """README "Errors" (-32014 with data.logId once a job exists)."""
    standin.inject("status", "http429", retry_after="99999999", times=5)
    a = start(adapter_factory, standin)
    resp, took = timed_call(a, "image.generate", gen(timeoutMs=2000))
    err = expect_error(resp, -32014)
    assert took < AT_ONCE
    [post] = standin.requests_for("submit")
    assert err["data"]["logId"] == post.log_id
    assert err["data"]["retryAfterMs"] == RETRY_AFTER_CAP_MS
    assert standin.count("status") == 1


# ---------------------------------------------------------------------------
# 5. Image hosts: http(s) only, never link-local; loopback/private only for a local API
# ---------------------------------------------------------------------------


@pytest.fixture
def sinkhole():
    """A local "proxy" that forwards nothing: these tests name link-local addresses, and should
    the adapter ever fail to refuse one, the request must land here, not leave the machine."""
    with Standin(api_key=KEY) as recorder:
        yield recorder


def start_guarded(adapter_factory, standin, sinkhole):
    return start(adapter_factory, standin, extra_env={"HTTP_PROXY": sinkhole.base_url, "NO_PROXY": "127.0.0.1"})


def save_one(a, standin, url, out, **kw):
    """image.generate of a job whose one image is `url`, saved into `out`: (response, seconds)."""
    standin.plan_job(images=[{"url": url}], pending_polls=0)
    return timed_call(a, "image.generate", gen(saveTo=str(out), **kw))


def assert_refused(resp, host: str, took: float, out: Path) -> dict:
    err = expect_error(resp, -32015)
    assert host in err["message"] and REFUSED in err["message"], err["message"]
    assert host in err["data"]["reason"], err["data"]
    assert err["data"]["task"]["status"] == "success"
    assert took < 1.0 * rpc.TIME_SCALE, f"refused after {took:.2f}s: was a connection tried?"
    assert files_in(out) == []
    return err


@pytest.mark.parametrize("url,host", [
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("http://169.254.169.254:80/latest/meta-data/iam/security-credentials/", "169.254.169.254"),
    ("http://[fe80::1]/latest/meta-data", "fe80::1"),
    ("http://[fe80::1]:8080/x.png", "fe80::1"),
], ids=["metadata", "metadata-port", "fe80", "fe80-port"])
def test_link_local_image_hosts_are_refused_with_a_loopback_api(adapter_factory, standin, sinkhole, tmp_path, url, host):
    """README "Errors" (-32015): even with the API on loopback (where loopback image hosts are
    allowed), link-local ones (cloud metadata services) are refused before connecting."""
    a = start_guarded(adapter_factory, standin, sinkhole)
    resp, took = save_one(a, standin, url, tmp_path / "out")
    assert_refused(resp, host, took, tmp_path / "out")
    assert standin.count("image") == 0
    assert sinkhole.requests == []


def test_link_local_refusal_does_not_tell_ports_apart(adapter_factory, standin, sinkhole, tmp_path):
    """The refusal comes before any connection, so its text is the same whatever the port."""
    a = start_guarded(adapter_factory, standin, sinkhole)
    texts = []
    for port in (80, 1, 8080):
        resp, took = save_one(a, standin, f"http://169.254.169.254:{port}/latest/meta-data", tmp_path / "out")
        err = assert_refused(resp, "169.254.169.254", took, tmp_path / "out")
        texts.append((normalized(err["message"], err["data"]["logId"]), err["data"]["reason"]))
    assert texts[0] == texts[1] == texts[2], texts
    assert sinkhole.requests == []


def test_redirect_to_link_local_is_refused(adapter_factory, standin, sinkhole, tmp_path):
    """README "Errors" (-32015): the address rule holds for every hop of a redirect (checked on
    the socket of each hop)."""
    a = start_guarded(adapter_factory, standin, sinkhole)
    resp, took = save_one(a, standin, standin.redirect_to_url("http://[fe80::1]:8080/latest/meta-data"),
                          tmp_path / "out")
    assert_refused(resp, "fe80::1", took, tmp_path / "out")
    assert len(standin.requests_for("image")) == 1  # the first hop, on loopback, was fetched
    assert sinkhole.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_image_hosts_are_fetched_with_a_loopback_api(adapter_factory, standin, tmp_path, host):
    """README "Options" (--base-url: a loopback stand-in): images on another loopback port."""
    with Standin(api_key=KEY) as images:
        a = start(adapter_factory, standin)
        resp, _ = save_one(a, standin, f"http://{host}:{images.port}/images/local.png", tmp_path)
        [path] = expect_result(resp)["saved"]
        assert Path(path).read_bytes() == png_for("/images/local.png")
        [get] = images.requests
        assert get.path == "/images/local.png" and get.headers.get("Host") == f"{host}:{images.port}"


@pytest.mark.parametrize("url", ["gopher://127.0.0.1:{port}/_x", "dict://127.0.0.1:{port}/x",
                                 "ftp://127.0.0.1:{port}/x.png", "ldap://127.0.0.1:{port}/x"],
                         ids=["gopher", "dict", "ftp", "ldap"])
def test_non_http_image_urls_are_refused(adapter_factory, standin, tmp_path, url):
    """README "Errors" (-32015): images are downloaded over http(s) only."""
    with RawTCPServer(reply=b"220 hello\r\n") as raw:
        a = start(adapter_factory, standin)
        resp, _ = save_one(a, standin, url.format(port=raw.port), tmp_path)
        err = expect_error(resp, -32015)
        assert "only http(s)" in err["data"]["reason"], err
        assert raw.accepted == 0


# The public-only rule. `--base-url http://127.1:PORT` is a loopback API for the https rule
# (README "Options"), while the image rule does not take "127.1" for a local host: image hosts
# must then be public. The image URLs point at ANOTHER server than the API: the address check is
# made when a socket is opened, and a kept-alive connection to the API's own host and port would
# be reused for an image without one.

PUBLIC_ONLY_CASES = [
    ("http://127.0.0.1:{port}/images/a.png", "127.0.0.1"),
    ("http://localhost:{port}/images/a.png", "localhost"),
    ("http://[::1]:{port}/images/a.png", "::1"),
    ("http://[::ffff:127.0.0.1]:{port}/images/a.png", "::ffff:127.0.0.1"),
    ("http://127.1:{port}/images/a.png", "127.1"),                 # refused after DNS, at the socket
    ("http://2130706433:{port}/images/a.png", "2130706433"),       # 127.0.0.1 as one number
    ("http://0x7f000001:{port}/images/a.png", "0x7f000001"),
]


@pytest.mark.parametrize("url,host", PUBLIC_ONLY_CASES, ids=[h for _, h in PUBLIC_ONLY_CASES])
def test_public_only_rule_refuses_loopback_image_hosts(adapter_factory, standin, tmp_path, url, host):
    """README "Errors" (-32015): with a non-local API, image hosts on loopback are refused,
    whether the URL says so literally or a name resolves there; no connection is made."""
    with Standin(api_key=KEY) as images:
        a = start(adapter_factory, None, base_url=f"http://127.1:{standin.port}")
        resp, took = save_one(a, standin, url.format(port=images.port), tmp_path / "out")
        assert_refused(resp, host, took, tmp_path / "out")
        assert images.accepted_connections == 0 and images.requests == []


def test_public_only_rule_refuses_a_host_name_that_resolves_to_loopback(adapter_factory, standin, tmp_path):
    """The check after DNS: this machine's own host name, when it resolves to loopback."""
    name = socket.gethostname()
    try:
        addrs = {ai[4][0] for ai in socket.getaddrinfo(name, None)}
    except OSError:
        addrs = set()
    if not addrs or not all(a.startswith("127.") or a == "::1" for a in addrs):
        pytest.skip(f"{name!r} does not resolve to loopback only ({sorted(addrs)})")
    with Standin(api_key=KEY) as images:
        a = start(adapter_factory, None, base_url=f"http://127.1:{standin.port}")
        resp, took = save_one(a, standin, f"http://{name}:{images.port}/images/a.png", tmp_path / "out")
        assert_refused(resp, name, took, tmp_path / "out")
        assert images.accepted_connections == 0


def test_public_only_refusal_does_not_tell_open_and_closed_ports_apart(adapter_factory, standin, tmp_path):
    with Standin(api_key=KEY) as images:
        a = start(adapter_factory, None, base_url=f"http://127.1:{standin.port}")
        texts = []
        for port in (images.port, closed_port()):
            for host in ("127.0.0.1", "127.1"):
                resp, took = save_one(a, standin, f"http://{host}:{port}/images/a.png", tmp_path / "out")
                err = assert_refused(resp, host, took, tmp_path / "out")
                texts.append((host, normalized(err["message"], err["data"]["logId"]), err["data"]["reason"]))
        assert images.accepted_connections == 0
        by_host = {}
        for host, message, reason in texts:
            by_host.setdefault(host, set()).add((message, reason))
        assert all(len(v) == 1 for v in by_host.values()), texts


def test_link_local_through_a_proxy_is_refused(adapter_factory, standin, tmp_path):
    """README "Options" (HTTP_PROXY is honoured): with a proxy the adapter does not open the
    socket to the image host itself, so the proxy would fetch whatever it is asked for. The
    "proxy" here is a second stand-in that only records what it is asked (it forwards nothing)."""
    with Standin(api_key=KEY) as recorder:
        a = start(adapter_factory, standin, extra_env={"HTTP_PROXY": recorder.base_url,
                                                       "NO_PROXY": "127.0.0.1"})
        resp, took = save_one(a, standin, "http://169.254.169.254/latest/meta-data", tmp_path / "out")
        asked = [(r.method, r.headers.get("Host"), r.path) for r in recorder.requests]
        assert asked == [], f"the proxy was asked for {asked}"
        assert_refused(resp, "169.254.169.254", took, tmp_path / "out")


# -- inside a private network namespace ------------------------------------------------------

NETNS_PORT = 18080
NETNS_V4 = {"link-local": "169.254.77.1", "private-10": "10.77.0.1", "private-172": "172.16.77.1",
            "private-192": "192.168.77.1", "cgnat": "100.64.77.1"}


def _netns_ok() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    try:
        return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


NETNS = _netns_ok()
needs_netns = pytest.mark.skipif(not NETNS, reason="needs root and `unshare -n` (a private network namespace)")


def netns_run(adapter_factory, tmp_path, image_base: str, api_host: str = "127.0.0.1"):
    """An adapter and a stand-in (standin.py --then) in a network namespace of their own, where
    the loopback device also holds the addresses of NETNS_V4 and nothing else is reachable. The
    stand-in listens on 0.0.0.0:NETNS_PORT and its jobs' url images point at `image_base`.
    Returns (adapter, path of the stand-in's request log, written when the adapter exits)."""
    log = tmp_path / f"netns-log-{time.monotonic_ns()}.jsonl"
    setup = " && ".join(["ip link set lo up"] + [f"ip addr add {ip}/32 dev lo" for ip in NETNS_V4.values()]
                        + ['exec "$@"'])
    argv = ["-n", "sh", "-c", setup, "sh",
            sys.executable, STANDIN_PY, "--host", "0.0.0.0", "--port", str(NETNS_PORT), "--api-key", KEY,
            "--pending-polls", "0", "--image-base-url", image_base, "--log-json", str(log),
            "--then", rpc.BIN, "--base-url", f"http://{api_host}:{NETNS_PORT}", *FAST_RETRY]
    a = track(adapter_factory(argv, bin=shutil.which("unshare"), extra_env={"AITOEARN_API_KEY": KEY}))
    return a, log


def netns_generate(adapter_factory, tmp_path, image_base, api_host="127.0.0.1"):
    """One image.generate with saveTo in the namespace: (response, seconds, the stand-in's log)."""
    a, log = netns_run(adapter_factory, tmp_path, image_base, api_host)
    deadline = time.monotonic() + 10
    while True:  # the stand-in starts with the namespace: wait until it answers
        resp = a.call("image.models", timeout=10)
        if "result" in resp or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    expect_result(resp)
    resp, took = timed_call(a, "image.generate", gen(saveTo=str(tmp_path / "out")))
    assert a.finish(5) == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return resp, took, entries


@needs_netns
@pytest.mark.parametrize("port", [NETNS_PORT, NETNS_PORT + 1], ids=["open", "closed"])
def test_netns_link_local_refused_open_or_closed(adapter_factory, tmp_path, port):
    """A link-local image host where a server really listens (and, as control, a closed port):
    refused either way, with the same words, and the server sees no request."""
    ip = NETNS_V4["link-local"]
    resp, took, log = netns_generate(adapter_factory, tmp_path, f"http://{ip}:{port}")
    assert_refused(resp, ip, took, tmp_path / "out")
    assert [e["endpoint"] for e in log if e["endpoint"] == "image"] == []


@needs_netns
def test_netns_link_local_messages_are_the_same_for_open_and_closed_ports(adapter_factory, tmp_path):
    ip = NETNS_V4["link-local"]
    texts = []
    for port in (NETNS_PORT, NETNS_PORT + 1):
        resp, took, _ = netns_generate(adapter_factory, tmp_path, f"http://{ip}:{port}")
        err = assert_refused(resp, ip, took, tmp_path / "out")
        texts.append((normalized(err["message"], err["data"]["logId"]), err["data"]["reason"]))
    assert texts[0] == texts[1], texts


@needs_netns
def test_netns_ipv4_mapped_link_local_is_refused(adapter_factory, tmp_path):
    """http://[::ffff:169.254.x.y]/ is the IPv4 link-local host written as IPv6: the same
    host, so the same refusal (the socket is AF_INET6, the packets go to 169.254.x.y)."""
    host = "::ffff:" + NETNS_V4["link-local"]
    resp, took, log = netns_generate(adapter_factory, tmp_path, f"http://[{host}]:{NETNS_PORT}")
    got = [(e["path"], e["status"]) for e in log if e["endpoint"] == "image"]
    assert got == [], f"the link-local host was reached through its IPv4-mapped form: {got}"
    assert_refused(resp, host, took, tmp_path / "out")


@needs_netns
@pytest.mark.parametrize("kind", ["private-10", "private-172", "private-192", "cgnat", "link-local"])
def test_netns_public_only_refuses_private_hosts_that_listen(adapter_factory, tmp_path, kind):
    """The public-only rule (API at 127.1) against private, carrier-grade NAT and link-local
    hosts where a server really listens: refused, no request reaches it."""
    ip = NETNS_V4[kind]
    resp, took, log = netns_generate(adapter_factory, tmp_path, f"http://{ip}:{NETNS_PORT}", api_host="127.1")
    assert_refused(resp, ip, took, tmp_path / "out")
    assert [e for e in log if e["endpoint"] == "image"] == []


@needs_netns
def test_netns_loopback_api_fetches_private_image_hosts(adapter_factory, tmp_path):
    """The other side: with the API on loopback, a private image host is allowed."""
    ip = NETNS_V4["private-10"]
    resp, _, log = netns_generate(adapter_factory, tmp_path, f"http://{ip}:{NETNS_PORT}")
    [path] = expect_result(resp)["saved"]
    [get] = [e for e in log if e["endpoint"] == "image"]
    assert Path(path).read_bytes() == png_for(get["path"])
    assert dict(get["headers"]).get("Host") == f"{ip}:{NETNS_PORT}"


# ---------------------------------------------------------------------------
# 6. The simulator's private folder
# ---------------------------------------------------------------------------

SIM_FOLDER = re.compile(r"aitoearn-rpc-sim-[A-Za-z0-9]{6}")


def sim(adapter_factory, tmpdir: Path, *args, **kw) -> Adapter:
    extra = {"TMPDIR": str(tmpdir)}
    extra.update(kw.pop("extra_env", {}))
    return track(adapter_factory(["--simulate", "--simulate-delay-ms", "50", *args], extra_env=extra, **kw))


def sim_generate(a: Adapter, fmt: str = "url", **kw) -> dict:
    params = {"prompt": "a red fox", "model": "sim-image", "response_format": fmt, "pollIntervalMs": 10}
    params.update(kw)
    return expect_result(a.call("image.generate", params, timeout=10))


def sim_folders(tmpdir: Path) -> list[Path]:
    return sorted(p for p in tmpdir.iterdir() if SIM_FOLDER.fullmatch(p.name))


def file_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "file", url
    return Path(urllib.parse.unquote(parts.path))


def check_private_folder(tmpdir: Path, result: dict) -> Path:
    [folder] = sim_folders(tmpdir)
    st = os.lstat(folder)
    assert stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o700, oct(st.st_mode)
    assert st.st_uid == os.geteuid()
    for img in result["images"]:
        p = file_path(img["url"])
        assert p.parent == folder.resolve(), (p, folder)
        assert p.read_bytes().startswith(PNG_SIGNATURE)
    return folder


def shutdown_exit(a: Adapter) -> int:
    expect_result(a.call("shutdown"))
    a.notify("exit")
    return a.wait_exit(5)


def parent_gone(a: Adapter, parent: subprocess.Popen) -> int:
    parent.kill()
    parent.wait(5)
    return a.wait_exit(5)


ENDINGS = {
    "end-of-input": lambda a, p: a.finish(5),
    "sigterm": lambda a, p: (a.signal(signal.SIGTERM), a.wait_exit(5))[1],
    "sigint": lambda a, p: (a.signal(signal.SIGINT), a.wait_exit(5))[1],
    "shutdown-exit": lambda a, p: shutdown_exit(a),
    "parent-gone": parent_gone,
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_sim_url_images_live_in_a_private_folder_removed_at_exit(adapter_factory, tmp_path, ending):
    """README "Options" (--simulate): the simulator's url images are files in a folder made for
    its process (mode 0700 under $TMPDIR), removed when it exits, however it is ended (the ways
    to end it of README "The protocol in short", and the `initialize.processId` process gone)."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    parent = subprocess.Popen(["sleep", "60"])
    try:
        a = sim(adapter_factory, tmpdir)
        expect_result(a.call("initialize", {"processId": parent.pid, "capabilities": {}}))
        result = sim_generate(a, n=2)
        folder = check_private_folder(tmpdir, result)
        assert sorted(p.name for p in folder.iterdir()) == [f"{result['logId']}-1.png", f"{result['logId']}-2.png"]
        assert ENDINGS[ending](a, parent) == 0
        assert not folder.exists(), f"{folder} left behind after {ending}"
        assert list(tmpdir.iterdir()) == []
    finally:
        parent.kill()
        parent.wait(5)


def test_sim_b64_only_makes_no_folder(adapter_factory, tmp_path):
    """A process that writes no url image leaves nothing behind, and makes nothing either."""
    a = sim(adapter_factory, tmp_path)
    result = sim_generate(a, fmt="b64_json", saveTo=str(tmp_path / "out"))
    assert len(result["saved"]) == 1
    assert sim_folders(tmp_path) == []
    assert a.finish(5) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_sim_processes_get_folders_of_their_own(adapter_factory, tmp_path):
    a, b = sim(adapter_factory, tmp_path), sim(adapter_factory, tmp_path)
    ra, rb = sim_generate(a), sim_generate(b)
    fa, fb = file_path(ra["images"][0]["url"]).parent, file_path(rb["images"][0]["url"]).parent
    assert fa != fb and {fa, fb} == {p.resolve() for p in sim_folders(tmp_path)}
    assert a.finish(5) == 0
    assert not fa.exists() and fb.exists()
    assert file_path(rb["images"][0]["url"]).read_bytes().startswith(PNG_SIGNATURE)
    assert b.finish(5) == 0
    assert sim_folders(tmp_path) == []


def test_sim_with_image_dir_writes_into_it_and_leaves_it(adapter_factory, tmp_path):
    """README "Options" (--image-dir): the simulator's files go to DIR/simulator, which stays."""
    tmpdir, image_dir = tmp_path / "tmp", tmp_path / "images"
    tmpdir.mkdir()
    a = sim(adapter_factory, tmpdir, "--image-dir", str(image_dir))
    result = sim_generate(a, n=2)
    folder = (image_dir / "simulator").resolve()
    paths = [file_path(img["url"]) for img in result["images"]]
    assert [p.parent for p in paths] == [folder, folder]
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert a.finish(5) == 0
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in paths), "removed at exit"
    assert list(tmpdir.iterdir()) == [], "nothing under $TMPDIR with --image-dir"


def test_sim_never_follows_a_symlink_at_the_old_fixed_name(adapter_factory, tmp_path):
    """The simulator once wrote into $TMPDIR/aitoearn-rpc-sim-<uid>, a name anyone could take
    first: a symlink planted there to a victim's directory receives nothing."""
    tmpdir, victim, out = tmp_path / "tmp", tmp_path / "victim", tmp_path / "out"
    tmpdir.mkdir()
    victim.mkdir()
    planted = tmpdir / f"aitoearn-rpc-sim-{os.getuid()}"
    planted.symlink_to(victim, target_is_directory=True)
    a = sim(adapter_factory, tmpdir)
    result = sim_generate(a, n=2, saveTo=str(out))
    assert list(victim.iterdir()) == [], f"written through the planted symlink: {list(victim.iterdir())}"
    assert len(result["saved"]) == 2 and all(Path(p).parent == out for p in result["saved"])
    folder = check_private_folder(tmpdir, result)
    assert folder != planted
    assert a.finish(5) == 0
    assert list(victim.iterdir()) == [] and planted.is_symlink() and os.readlink(planted) == str(victim)
    assert list(tmpdir.iterdir()) == [planted]


# ---------------------------------------------------------------------------
# 7. saveTo is a path, not a shell word
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("save_to,relative", [
    ("~nobody/imgs", "~nobody/imgs"),
    ("~/imgs", "~/imgs"),
    ("$HOME/imgs", "$HOME/imgs"),
    ("sub/../imgs", "imgs"),
    ("./a/./b/../../imgs", "imgs"),
], ids=["tilde-user", "tilde", "dollar-home", "dotdot", "dots"])
def test_save_to_is_taken_as_written(adapter_factory, standin, tmp_path, save_to, relative):
    """README "The protocol in short" (saveTo): a relative saveTo is under the adapter's working
    directory, with `~` and `$` as ordinary characters (no shell expands them) and `..`
    resolved in the path; nothing is written under any home directory."""
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    a = start(adapter_factory, standin, cwd=cwd, extra_env={"HOME": str(home)})
    result = expect_result(a.call("image.generate", gen(n=2, saveTo=save_to), timeout=10))
    target = cwd / relative
    assert [Path(p) for p in result["saved"]] == [target / f"{result['logId']}-{i}.png" for i in (1, 2)]
    assert {f for f in files_in(cwd)} == {Path(p) for p in result["saved"]}
    assert files_in(home) == []
    if save_to.startswith("~nobody"):
        try:
            nobody_home = Path(pwd.getpwnam("nobody").pw_dir)
        except KeyError:
            nobody_home = None
        if nobody_home is not None:
            assert not (nobody_home / "imgs").exists()
    if ".." in save_to:
        assert not (cwd / "sub").exists() and not (cwd / "a").exists()


def test_sim_save_to_tilde_is_relative_too(adapter_factory, tmp_path):
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    a = sim(adapter_factory, tmp_path, cwd=cwd, extra_env={"HOME": str(home)})
    result = sim_generate(a, saveTo="~/pics")
    assert [Path(p).parent for p in result["saved"]] == [cwd / "~" / "pics"]
    assert files_in(home) == []
