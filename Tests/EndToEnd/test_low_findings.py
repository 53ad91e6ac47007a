"""The low findings of the latest adversarial pass (issue "Never lose a billed job, never let a
proxy or a crafted value past a rule", L1-L11), reproduced from outside: the built binary over
pipes against the stand-in on 127.0.0.1."""

from __future__ import annotations

import os
import resource
import signal
import socket
import stat
import subprocess
import threading

import pytest

import rpc

from main_support import KEY, expect_error, expect_result, gen, standin, start_adapter  # noqa: F401 (fixture)
from mcp_support import call_tool_raw, mcp_adapter, mcp_standin, tool_call  # noqa: F401 (fixture)

TIME_SCALE = float(os.environ.get("AITOEARN_TEST_TIME_SCALE", "1"))


# ---------------------------------------------------------------------------
# L2: an oversized reply to a submission may mean a billed job
# ---------------------------------------------------------------------------


def test_an_oversized_reply_to_a_submission_says_the_job_may_be_billed(adapter_factory, standin):
    standin.inject("submit", "raw", status=200, headers={"Content-Type": "application/json"},
                   body=b"{" + b" " * (9 << 20) + b"}")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(), timeout=15), -32013)
    assert "may have been submitted and billed" in err["message"], err["message"]
    assert "try again" not in err["message"].lower(), err["message"]
    assert err["data"]["attempts"] == 1
    assert standin.count("submit") == 1


# ---------------------------------------------------------------------------
# L9: a status reply that is not an object with a string status is broken, not a result
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [None, {"status": 42}, "success"], ids=["null", "status-42", "a-string"])
@pytest.mark.parametrize("wait", [False, True], ids=["once", "wait"])
def test_a_status_that_is_not_a_status_is_a_broken_reply(adapter_factory, standin, data, wait):
    log_id = standin.add_job(pending_polls=None)
    standin.inject("status", "business", times=4, code=0, message="success", data=data)
    a = start_adapter(adapter_factory, standin)
    params = {"logId": log_id, "pollIntervalMs": 10, "timeoutMs": 10_000}
    if wait:
        params["wait"] = True
    err = expect_error(a.call("task.status", params, timeout=10), -32013)
    assert err["data"]["logId"] == log_id and err["data"]["attempts"] == 4, err
    assert "not an object with a string status" in err["message"], err["message"]
    assert log_id in err["message"] and "try again" not in err["message"].lower(), err["message"]
    assert standin.count("status") == 4


# ---------------------------------------------------------------------------
# Found on the way: get_task_status without wait_seconds gave its one status request 1 ms
# ---------------------------------------------------------------------------


def test_get_task_status_without_a_wait_reads_a_slow_status(adapter_factory, tmp_path, mcp_standin):
    log_id = mcp_standin.add_job()
    mcp_standin.inject("status", "slow", delay_ms=100)
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", server=mcp_standin)
    r = expect_result(call_tool_raw(a, "get_task_status", {"logId": log_id}))
    assert r["structuredContent"]["status"] == "success", r
    assert not r.get("isError"), r


# ---------------------------------------------------------------------------
# L1: the MCP task store keeps at most 1,000 tasks
# ---------------------------------------------------------------------------

MAX_TASKS = 1000


def test_the_task_store_is_capped_dropping_the_oldest_finished_first(adapter_factory, tmp_path):
    # Jobs that run for a minute: every task stays `working` unless cancelled.
    a, _ = mcp_adapter(adapter_factory, tmp_path / "images", "--simulate", "--simulate-delay-ms", "60000")
    create = tool_call("generate_image", {"prompt": "a lighthouse", "model": "sim-image"}, task={"ttl": 600000})
    ids = [a.request("tools/call", create) for _ in range(MAX_TASKS)]
    tasks = [expect_result(a.wait_response(i, timeout=30)[0])["task"]["taskId"] for i in ids]
    assert len(set(tasks)) == MAX_TASKS

    # All running: the next one is refused, with what to do.
    err = rpc.expect_error(a.call("tools/call", create, timeout=10), -32014)
    assert "1000 tasks are running" in err["message"] and "without a task" in err["message"], err

    # Finished tasks make room, oldest first (by creation, not by when they ended).
    for tid in (tasks[5], tasks[3]):
        assert expect_result(a.call("tasks/cancel", {"taskId": tid}))["status"] == "cancelled"
    expect_result(a.call("tools/call", create))
    assert "no task" in rpc.expect_error(a.call("tasks/get", {"taskId": tasks[3]}), -32602)["message"].lower()
    assert expect_result(a.call("tasks/get", {"taskId": tasks[5]}))["status"] == "cancelled"
    expect_result(a.call("tools/call", create))
    rpc.expect_error(a.call("tasks/get", {"taskId": tasks[5]}), -32602)
    assert expect_result(a.call("tasks/get", {"taskId": tasks[0]}))["status"] == "working"
    rpc.expect_error(a.call("tools/call", create), -32014)


# ---------------------------------------------------------------------------
# L6: a status that omits request.n does not cut a job this session submitted with n: 10
# ---------------------------------------------------------------------------


def _url_images(server, count):
    return [{"url": server.image_url(f"ten/img-{i}.png"), "revised_prompt": f"#{i}"} for i in range(count)]


@pytest.mark.parametrize("wait", [False, True], ids=["once", "wait"])
def test_task_status_saves_all_ten_of_a_job_submitted_with_n_10(adapter_factory, standin, tmp_path, wait):
    params = gen(n=10, wait=False)
    # The status echoes the request without its n: the service's default (1) would cut 9 images.
    standin.plan_job(images=_url_images(standin, 10), pending_polls=1 if wait else 0,
                     extra={"request": {"prompt": params["prompt"], "model": params["model"]}})
    a = start_adapter(adapter_factory, standin)
    log_id = a.call("image.generate", params)["result"]["logId"]
    status = {"logId": log_id, "saveTo": str(tmp_path / "out")}
    if wait:
        status.update(wait=True, pollIntervalMs=10)
    result = a.call("task.status", status, timeout=10)["result"]
    assert "droppedImages" not in result, result
    assert len(result["images"]) == 10 and len(result["saved"]) == 10
    assert len(list((tmp_path / "out").iterdir())) == 10


# ---------------------------------------------------------------------------
# L7: a failed save leaves none of the job's files behind (all or nothing)
# ---------------------------------------------------------------------------


def test_a_save_that_fails_part_way_removes_the_files_it_wrote(adapter_factory, standin, tmp_path):
    # Image 1 is a PNG and is written; image 2 is an HTML page, found out only after.
    standin.plan_job(images=[{"url": standin.image_url("ok-1.png")}, {"url": standin.image_url("not-an-image-2.png")}])
    out = tmp_path / "out"
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.generate", gen(n=2, saveTo=str(out)), timeout=10), -32015)
    assert "image 2" in err["message"] and "removed" in err["message"], err["message"]
    assert err["data"]["logId"] and len(err["data"]["task"]["images"]) == 2
    assert list(out.iterdir()) == [], "a half-saved job leaves files no answer lists"


# ---------------------------------------------------------------------------
# L4: the trace file is private, core dumps are off, SIGQUIT ends the process cleanly
# ---------------------------------------------------------------------------


def _run(*args, stdin=b""):
    return subprocess.run([rpc.BIN, *args], input=stdin, capture_output=True, timeout=10, env=rpc.clean_env({}))


def test_a_symlink_at_the_trace_path_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "trace.jsonl"
    link.symlink_to(victim)
    r = _run("--simulate", "--trace-file", str(link))
    assert r.returncode == 2 and b"symbolic link" in r.stderr, r
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("existing", [None, 0o644, 0o666], ids=["new", "0644", "0666"])
def test_the_trace_file_is_readable_by_its_owner_only(tmp_path, existing):
    trace = tmp_path / "trace.jsonl"
    if existing is not None:
        trace.write_text("")
        os.chmod(trace, existing)
    old = os.umask(0)
    try:
        r = _run("--simulate", "--trace-file", str(trace), stdin=b'{"jsonrpc":"2.0","id":1,"method":"image.models"}\n')
    finally:
        os.umask(old)
    assert r.returncode == 0, r
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600
    assert b"image.models" in trace.read_bytes()


def test_a_fifo_at_the_trace_path_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    r = _run("--simulate", "--trace-file", str(fifo))
    assert r.returncode == 2 and b"not a regular file" in r.stderr, r


def test_core_dumps_are_off_whatever_the_limit_was(adapter_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    try:
        a = adapter_factory(["--simulate"])
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    expect_result(a.call("image.models"))
    [line] = [l for l in open(f"/proc/{a.proc.pid}/limits") if l.startswith("Max core file size")]
    assert line.split()[4:6] == ["0", "0"], line


def test_sigquit_ends_the_adapter_as_sigterm_does(adapter_factory):
    a = adapter_factory(["--simulate"])
    expect_result(a.call("image.models"))
    a.signal(signal.SIGQUIT)
    assert a.wait_exit(2 * TIME_SCALE) == 0
    assert "crashed" not in a.stderr_text().lower(), a.stderr_text()


# ---------------------------------------------------------------------------
# L10: three messages that sent the reader the wrong way
# ---------------------------------------------------------------------------


@pytest.fixture
def endless_header_server():
    """Answers every request with a status line and one header that never ends."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    done = threading.Event()

    def one(c):
        try:
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            while not done.is_set():
                c.sendall(b"a" * 65536)
        except OSError:
            pass
        finally:
            c.close()

    def serve():
        while not done.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            threading.Thread(target=one, args=(c,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    done.set()
    srv.close()


def test_an_endless_header_is_not_called_out_of_memory(adapter_factory, endless_header_server):
    a = start_adapter(adapter_factory, None, base_url=endless_header_server)
    err = expect_error(a.call("image.models", timeout=30), -32013)
    assert "out of memory" not in err["message"].lower(), err["message"]
    assert "could not be reached" not in err["message"], err["message"]
    assert "header" in err["message"], err["message"]


def test_an_envelope_with_a_string_code_is_named_not_blamed_on_the_network(adapter_factory, standin):
    log_id = standin.add_job()
    standin.inject("status", "raw", times=4, status=200, headers={"Content-Type": "application/json"},
                   body=b'{"code":"0","message":"ok","data":{"status":"success"}}')
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("task.status", {"logId": log_id}, timeout=10), -32013)
    assert "code is not a number" in err["message"], err["message"]
    assert "network" not in err["message"], err["message"]


def test_a_redirect_without_a_host_names_its_scheme(adapter_factory, standin):
    standin.inject("models", "redirect", status=302, location="file:///etc/passwd")
    a = start_adapter(adapter_factory, standin)
    err = expect_error(a.call("image.models", timeout=10), -32013)
    assert "?" not in err["message"] and "a file: URL" in err["message"], err["message"]


# ---------------------------------------------------------------------------
# L11: the MCP image folder and the simulator's folder are private, and a planted symlink is not followed
# ---------------------------------------------------------------------------


def test_mcp_images_are_saved_in_a_private_folder(adapter_factory, tmp_path):
    images = tmp_path / "cache" / "aitoearn-rpc" / "images"
    a, _ = mcp_adapter(adapter_factory, images, "--simulate", "--simulate-delay-ms", "0")
    r = expect_result(call_tool_raw(a, "generate_image", {"prompt": "a fox", "model": "sim-image",
                                                          "response_format": "b64_json"}))
    assert not r.get("isError"), r
    [saved] = [p for p in images.iterdir() if p.is_file()]
    for folder in (images, images.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_the_simulators_folder_is_private_and_a_planted_symlink_is_not_followed(adapter_factory, tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (images / "simulator").symlink_to(elsewhere)
    a = start_adapter(adapter_factory, None, "--simulate", "--simulate-delay-ms", "0", "--image-dir", str(images))
    result = expect_result(a.call("image.generate", gen(model="sim-image", response_format="url"), timeout=10))
    assert list(elsewhere.iterdir()) == [], "the simulator wrote through a symlink it did not make"
    assert "b64_json" in result["images"][0], result  # no folder of its own: the image comes inline

    fresh = tmp_path / "fresh"
    b = start_adapter(adapter_factory, None, "--simulate", "--simulate-delay-ms", "0", "--image-dir", str(fresh))
    url = expect_result(b.call("image.generate", gen(model="sim-image", response_format="url"), timeout=10))["images"][0]["url"]
    sim = fresh / "simulator"
    assert url.startswith(sim.as_uri()), url
    assert stat.S_IMODE(sim.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in sim.iterdir()] == [0o600]
