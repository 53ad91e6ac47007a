"""video.generate, video.models and task.status with taskId (docs/protocol.md §4, §5) against the stand-in."""

from __future__ import annotations

import struct
from pathlib import Path

from standin import PNG_SIGNATURE
from main_support import *  # noqa: F401,F403

UNKNOWN_TASK = "0123456789abcdef01234567"


def vid(**kw):
    """video.generate params with a short poll interval."""
    params = {"prompt": "a red fox running through fresh snow", "model": "standin-video", "pollIntervalMs": 100}
    params.update(kw)
    return {k: v for k, v in params.items() if v is not ...}


def check_video_saved(result: dict, out: Path) -> None:
    saved = result["saved"]
    assert len(saved) == 2, saved
    video, cover = Path(saved[0]), Path(saved[1])
    assert video.parent == out.resolve() and cover.parent == out.resolve()
    assert video.name == f"{result['id']}.mp4" and cover.name == f"{result['id']}-cover.png"
    head = video.read_bytes()[:12]
    assert head[4:8] == b"ftyp", head
    assert cover.read_bytes().startswith(PNG_SIGNATURE)


def test_video_generate_follows_the_job_and_saves_video_and_cover(adapter_factory, standin, tmp_path):
    standin.pending_polls = 2
    a = start_adapter(adapter_factory, standin)
    rid = a.request("video.generate", vid(saveTo=str(tmp_path), resolution="1080p", duration=5, ratio="9:16"))
    resp, _ = a.wait_response(rid, timeout=10)
    result = expect_result(resp)
    assert result["status"] == "SUCCESS" and result["videoUrl"].endswith(".mp4")
    check_video_saved(result, tmp_path)
    progress = progress_of(a, rid)
    assert [p["poll"] for p in progress] == [0, 1, 2, 3]
    assert [p["status"] for p in progress] == ["SUBMITTED", "SUBMITTED", "InProgress", "SUCCESS"]
    for p in progress:
        assert p["taskId"] == result["id"] and p["kind"] == "video" and "logId" not in p, p
    # One billed submission, after the model list; polls never closer than pollIntervalMs.
    assert standin.count("video_submit") == 1 and standin.count("submit") == 0
    posts = [r for r in standin.requests if r.method == "POST"]
    assert len(posts) == 1
    times = [posts[0].time] + [r.time for r in standin.requests_for("video_status")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 3 and min(gaps) >= 0.095, gaps
    assert posts[0].json["resolution"] == "1080p" and "pollIntervalMs" not in posts[0].json
    validate_result("video.generate", result)


def test_every_model_list_rule_is_checked_before_anything_is_sent(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    images = [standin.image_url(f"frame-{i}.png") for i in range(3)]
    err = expect_error(a.call("video.generate", vid(mode="video2video", resolution="4k", ratio="4:3", duration=7,
                                                     image=images)), -32602)
    assert sorted(error_paths(err)) == ["duration", "image", "mode", "ratio", "resolution"], err
    err = expect_error(a.call("video.generate", vid(model="no-such-video-model")), -32602)
    assert error_paths(err) == ["model"] and "standin-video" in err["data"]["errors"][0]["message"]
    err = expect_error(a.call("video.generate", vid(image=images, image_tail=images[0], extra=1)), -32602)
    assert sorted(error_paths(err)) == ["extra", "image_tail"], err
    assert standin.count("video_submit") == 0
    assert standin.count("video_models") == 1  # fetched once for the session


def test_a_failed_video_job_is_32011_with_its_task_id(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("video.generate", vid(model="standin-video-fail"), timeout=10), -32011)
    data = err["data"]
    assert "logId" not in data and data["task"]["status"] == "FAILURE" and data["task"]["id"] == data["taskId"]
    assert data["task"]["error"]["message"] == "Video task failed"
    assert_english(err)


def test_task_status_names_exactly_one_job(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", {"taskId": UNKNOWN_TASK}), -32010)
    assert err["data"]["upstreamCode"] == 12302 and "logId" not in err["data"], err
    assert_english(err)
    before = len(standin.requests)
    for params in ({"taskId": "not-an-id"}, {"logId": UNKNOWN_TASK, "taskId": UNKNOWN_TASK}, {}):
        expect_error(a.call("task.status", params), -32602)
    assert len(standin.requests) == before


def test_wait_false_then_task_status_resumes_the_job_in_another_process(adapter_factory, standin, tmp_path):
    first = start_adapter(adapter_factory, standin)
    submitted = expect_result(first.call("video.generate", vid(wait=False)))
    assert set(submitted) == {"id", "status"} and submitted["status"] == "SUBMITTED"
    assert LOG_ID_RE.fullmatch(submitted["id"])
    first.close_stdin()
    first.wait_exit()
    second = start_adapter(adapter_factory, standin)
    rid = second.request("task.status", {"taskId": submitted["id"], "wait": True, "pollIntervalMs": 50, "saveTo": str(tmp_path)})
    resp, _ = second.wait_response(rid, timeout=10)
    result = expect_result(resp)
    assert result["status"] == "SUCCESS" and result["id"] == submitted["id"]
    check_video_saved(result, tmp_path)
    assert all(p["kind"] == "video" and p["taskId"] == submitted["id"] for p in progress_of(second, rid))
    assert standin.count("video_submit") == 1
    validate_result("task.status", result)


def test_video_models_is_the_list_verbatim_without_a_key(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin, key=None)
    models = expect_result(a.call("video.models"))
    assert models == standin.video_models
    validate_result("video.models", models)
    expect_error(a.call("video.models", {"kind": "x"}), -32602)


def test_a_download_that_is_not_a_video_is_32015_with_the_task_id(adapter_factory, standin, tmp_path):
    standin.plan_job(extra={"videoUrl": standin.url("/videos/not-a-video.mp4")})
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("video.generate", vid(saveTo=str(tmp_path)), timeout=10), -32015)
    assert err["data"]["taskId"] == err["data"]["task"]["id"] and "not an MP4" in err["data"]["reason"]
    assert "taskId " + err["data"]["taskId"] in err["message"]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# The simulator's video: a real file that ffprobe reads
# ---------------------------------------------------------------------------


def _ffprobe_or_skip() -> str:
    import shutil

    import pytest

    path = shutil.which("ffprobe")
    if path is None:
        pytest.skip("ffprobe is missing (Debian's ffmpeg package; scripts/test installs it when it can)")
    return path


def test_the_simulator_saves_a_real_video_whose_frames_differ(adapter_factory, tmp_path):
    import json
    import shutil
    import subprocess

    ffprobe = _ffprobe_or_skip()
    a = start_adapter(adapter_factory, None, "--simulate", "--simulate-delay-ms", "600", key=None)
    rid = a.request("video.generate", {"prompt": "a red fox running through fresh snow", "model": "sim-video",
                                       "ratio": "16:9", "duration": 5, "pollIntervalMs": 100, "saveTo": str(tmp_path)})
    resp, _ = a.wait_response(rid, timeout=15)
    result = expect_result(resp)
    assert [p["status"] for p in progress_of(a, rid)][-1] == "SUCCESS"
    assert {"SUBMITTED", "InProgress"} <= {p["status"] for p in progress_of(a, rid)}
    check_video_saved(result, tmp_path)
    video = result["saved"][0]
    probe = subprocess.run([ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_type,codec_name,width,height,nb_read_frames", "-of", "json", video],
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode == 0 and probe.stderr == "", probe.stderr
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_type"] == "video" and stream["codec_name"] == "h264", stream
    assert (stream["width"], stream["height"]) == (128, 72)
    assert int(stream["nb_read_frames"]) >= 8, stream
    # Every decoded frame, hashed: they decode without a complaint and differ from one another.
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    md5 = subprocess.run([ffmpeg, "-v", "error", "-i", video, "-f", "framemd5", "-"], capture_output=True, text=True, timeout=30)
    assert md5.returncode == 0 and md5.stderr == "", md5.stderr
    hashes = [line.rsplit(",", 1)[1].strip() for line in md5.stdout.splitlines() if line and not line.startswith("#")]
    assert len(hashes) == int(stream["nb_read_frames"]) and len(set(hashes)) == len(hashes)
    validate_result("video.generate", result)


def test_the_simulator_fails_its_failing_model_with_the_task_id(adapter_factory):
    a = start_adapter(adapter_factory, None, "--simulate", "--simulate-delay-ms", "200", key=None)
    err = expect_error(a.call("video.generate", {"prompt": "p", "model": "sim-video-fail", "pollIntervalMs": 50}, timeout=10), -32011)
    assert err["data"]["task"]["status"] == "FAILURE" and LOG_ID_RE.fullmatch(err["data"]["taskId"])
    err = expect_error(a.call("video.generate", {"prompt": "p", "model": "sim-video", "resolution": "4k", "duration": 3}), -32602)
    assert sorted(error_paths(err)) == ["duration", "resolution"]


# ---------------------------------------------------------------------------
# Saving without holding the video, cancelling, deadlines, idempotency
# ---------------------------------------------------------------------------


def _peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def test_a_large_video_is_streamed_to_disk_not_held_in_memory(adapter_factory, standin, tmp_path):
    size = 80 * 1024 * 1024
    standin.plan_job(extra={"videoUrl": standin.url(f"/videos/huge?bytes={size}")})
    a = start_adapter(adapter_factory, standin)
    expect_result(a.call("video.models"))
    before = _peak_rss_kib(a.proc.pid)
    result = expect_result(a.call("video.generate", vid(saveTo=str(tmp_path)), timeout=20))
    assert Path(result["saved"][0]).stat().st_size == size
    grew = _peak_rss_kib(a.proc.pid) - before
    assert grew < 24 * 1024, f"peak RSS grew by {grew} KiB saving an {size >> 20} MiB video"


def test_a_video_over_500_mb_is_refused_by_its_length_and_nothing_is_left(adapter_factory, standin, tmp_path):
    standin.plan_job(extra={"videoUrl": standin.url(f"/videos/huge?bytes={501 * 1024 * 1024}")})
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("video.generate", vid(saveTo=str(tmp_path)), timeout=20), -32015)
    assert "500 MB" in err["data"]["reason"] and err["data"]["taskId"]
    assert list(tmp_path.iterdir()) == []
    assert standin.requests_for("video")[0].bytes_sent < 100 * 1024 * 1024


def test_cancel_and_timeout_name_the_task_id(adapter_factory, standin):
    standin.pending_polls = None
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("video.generate", vid(timeoutMs=400), timeout=10), -32012)
    task_id = err["data"]["taskId"]
    assert "logId" not in err["data"] and "taskId " + task_id in err["message"]
    rid = a.request("video.generate", vid())
    wait_note(a, "task.progress", lambda p: p.get("poll") == 1 and p.get("requestId") == rid, timeout=5)
    a.notify("$/cancelRequest", {"id": rid})
    resp, _ = a.wait_response(rid, timeout=5)
    err = expect_error(resp, -32800)
    assert LOG_ID_RE.fullmatch(err["data"]["taskId"]) and "taskId " + err["data"]["taskId"] in err["message"]


def test_an_idempotency_key_submits_one_video_job(adapter_factory, standin):
    a = start_adapter(adapter_factory, standin)
    first = expect_result(a.call("video.generate", vid(wait=False, idempotencyKey="boat-1")))
    again = expect_result(a.call("video.generate", vid(wait=False, idempotencyKey="boat-1")))
    assert first == again and standin.count("video_submit") == 1
    err = expect_error(a.call("video.generate", vid(wait=False, idempotencyKey="boat-1", prompt="another")), -32602)
    assert error_paths(err) == ["idempotencyKey"]
    image = expect_error(a.call("image.generate", gen(wait=False, idempotencyKey="boat-1")), -32602)
    assert error_paths(image) == ["idempotencyKey"]
