#!/usr/bin/env python3
"""A local stand-in for the AiToEarn HTTP API, for the end-to-end tests and benchmarks.

It behaves as the real service does (see docs: the envelope `{code, message, data,
requestId?, timestamp?}` with HTTP 200 for business errors, X-Request-Id echoed as
`requestId`, X-Api-Key on generate/status, server-side validation of the submission body)
and adds what the tests need on top:

* a request log (method, path, headers, body, time, and what was answered);
* fault injection, a queue per endpoint: ``server.inject("submit", "http500_html")``;
* scripted jobs: ``server.plan_job(outcome="failed", pending_polls=3)`` for the next
  submission, ``server.add_job(...)`` to create a job without submitting it;
* an image host (``/images/...``) that serves real PNG bytes for ``url`` images;
* ``ForwardingProxy``: a plain HTTP forwarding proxy that logs what it forwarded;
* connection tracking: every accepted TCP connection gets an id (``LoggedRequest.conn``,
  ``server.accepted_connections``, ``server.requests_by_conn()``);
* concurrency tracking: how many requests to an endpoint are being served at once, and the most
  so far (``server.in_flight("image")``, ``server.max_in_flight("image")``);
* ``RawTCPServer``: a loopback TCP server that answers every connection with fixed bytes
  (e.g. garbage instead of a TLS handshake) and counts the connections;
* ``BlackholeServer``: a loopback port whose connections never complete (a connect timeout);
* ``raise_open_file_limit()``: lift RLIMIT_NOFILE for tests with many sockets.

Use it as a context manager::

    with Standin(api_key="k") as server:
        server.base_url          # http://127.0.0.1:<ephemeral port>
        ...
        server.requests_for("submit")

or from the command line: ``python3 Tests/EndToEnd/standin.py --port 8080 [--api-key K]``. With
``--then CMD ARGS...`` it runs CMD (stdin, stdout and stderr inherited) once it listens, exits with
CMD's status when CMD ends, and with ``--log-json PATH`` writes its request log there as JSON
lines: a stand-in and a client in one process tree, e.g. inside a private network namespace.

Endpoints (names used by inject/requests_for):
    submit       POST /api/ai/image/generate/async
    edit         POST /api/ai/image/edit/async
    status       GET  /api/ai/image/task/{logId}   (generation and edit jobs alike)
    models       GET  /api/ai/models/image/generation
    edit_models  GET  /api/ai/models/image/edit    (``server.edit_models``; each with maxInputImages)
    video_submit POST /api/ai/video/generations
    video_status GET  /api/ai/video/generations/{taskId}
    video_models GET  /api/ai/models/video/generation (``server.video_models``)
    logs         GET  /api/ai/logs?type=&status=&model=&page=&pageSize=  (every job of the stand-in, newest first)
    video        GET  /videos/...                  (a small MP4: ``ftyp`` first; ``/videos/not-a-video...``: HTML;
                                                   ``/videos/huge?bytes=N``: an MP4 header padded with zeros to N
                                                   bytes, streamed, with its Content-Length)
    image        GET  /images/...
    other        anything else (answered with HTTP 404, an HTML page)

Edit jobs (the service's section "Image editing"): the body is checked by the service's schema
(unknown keys are dropped, ``n`` may only be 1, the model must be in ``edit_models``, else 12300) and
kept whole as the job's ``request``, echoed in every status. The inputs are read only when the job
ends, as by the service's queue worker: a data URI that does not decode (``data:...;base64,`` with
valid base64) ends the job ``failed`` with ``Invalid data URI``; a URL of this stand-in's
``/images/missing...`` ends it ``failed`` too (other URLs are not fetched). The edited images
derive from the input bytes (``edit_digest``): different inputs, different PNGs. A body too large
for the service is simulated with ``inject("edit", "http_html", status=413)``.

The image host (``/images/<name>``) serves ``png_for("/images/<name>")``, except:
    /images/not-an-image...            HTTP 200 with an HTML body
    /images/missing...                 HTTP 404
    /images/huge...                    a 51 MB body (``HUGE_IMAGE_BYTES``; ``?bytes=N``: N bytes), a PNG
                                       header padded with zeros; ``LoggedRequest.bytes_sent`` counts
                                       what was written before the client went away
    /images/redirect/<n>/<name>        n >= 1: a redirect (``?status=`` 301/302/303/307/308, default
                                       302) to /images/redirect/<n-1>/<name> on the host the client
                                       named (Host header); n == 0: ``png_for("/images/<name>")``.
                                       ``server.redirect_chain_url(hops, name)`` builds the URL.
    /images/redirect-to?location=URL   a redirect (``&status=``, default 302) to any URL (another
                                       origin, ``ftp://...``, ``file:///...``); ``server.redirect_to_url``.

Video jobs (the service's section "Video generation"): the body is checked by its schema (code 400 on a
break, unknown keys dropped), the model must be in ``video_models`` (else 12300), and ``mode``,
``resolution``, ``ratio`` and ``duration`` must be among the model's values and a price row must match
(else 12300, as the service answers after pricing). ``image_tail`` needs a single first-frame ``image``
(else 400). The answer is ``{id, status: "SUBMITTED"}``; each status poll advances the job
``SUBMITTED`` -> ``InProgress`` (``pending_polls`` answers before it ends) -> ``SUCCESS`` or ``FAILURE``
(``error.message``), spelled as the service spells them. Models named in ``video_fail_models`` fail. A
malformed taskId is 10002, an unknown one 12302.

Submissions may also be answered with a logId other than the job's (the job is still created, i.e.
billed): ``server.plan_job(answer_log_id=VALUE)`` puts any JSON value in the answer's ``logId``;
``answer_log_id=OMIT`` leaves the field out.

Faults (``inject(endpoint, kind, times=1, **params)``), each consumed by one request:
    http500_html, http502_html, http503_html, http504_html
                     that HTTP status with an HTML body (a load balancer's error page)
    http_html        status=N, an HTML body
    http429          HTTP 429, ``Retry-After: <retry_after>`` (default "0"; None omits it)
    drop             read the whole request, then close the connection without a response
                     (``create_job=True`` by default on submit: the job was created, i.e. billed;
                     ``rst=True`` resets the connection instead of closing it)
    slow             answer normally after ``delay_ms``
    hold             answer normally once ``server.release()`` is called (or ``timeout`` s)
    non_json         HTTP 200 with a body that is not JSON (``body=`` to choose it)
    not_envelope     HTTP 200 with JSON that is not an envelope (``body=`` any JSON value)
    business         HTTP 200 envelope with ``code``, ``message`` (and optional ``data``)
    raw              ``status``, ``headers`` (a dict, or a list of pairs that may repeat a name), ``body``
                     (bytes/str) sent as given
    truncate         the status line and headers of the real answer with its full Content-Length,
                     then only ``keep`` bytes of the body (default: half), then close: a reply cut
                     mid-body (``create_job=True`` by default on submit, as for ``drop``;
                     ``status=`` and ``body=`` replace the real answer)
    redirect         HTTP ``status`` (default 302) with ``Location: <location>`` and an HTML body
"""

from __future__ import annotations

import argparse
import base64
import collections
import copy
import datetime as _dt
import http.client
import http.server
import json
import random
import re
import resource
import secrets
import socket
import struct
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

# ---------------------------------------------------------------------------
# PNG bytes
# ---------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rgb_png(width: int, height: int, rows: list[bytes], level: int = -1) -> bytes:
    """A valid RGB PNG of `rows` (3*width bytes each), its pixels compressed at zlib `level`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b"")


def make_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    """A valid RGB PNG of one colour."""
    return rgb_png(width, height, [bytes(rgb) * width] * height)


def noise_png(width: int, height: int, seed: int = 1, level: int = 1) -> bytes:
    """A valid RGB PNG of noise: it does not compress, so its size is about 3*w*h bytes."""
    rng = random.Random(seed)
    return rgb_png(width, height, [rng.randbytes(3 * width) for _ in range(height)], level)


def png_for(path: str) -> bytes:
    """The PNG the image host serves for a path (its colour derives from the path)."""
    h = zlib.crc32(path.encode("utf-8"))
    return make_png(rgb=((h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF))


# ---------------------------------------------------------------------------
# Data the service sends
# ---------------------------------------------------------------------------

SUCCESS_MESSAGE = "请求成功"
MESSAGES = {
    400: "请求参数错误",
    401: "Unauthorized",
    404: "任务不存在",
    500: "服务器内部错误",
    10002: "参数验证失败",
    12001: "用户Credits不足",
    12300: "无效的 AI 模型",
    12301: "AI调用失败",
    12302: "无效的 AI 任务 ID",
}

# Fields the service is not documented to send: they prove verbatim pass-through.
EXTRA_FIELDS: dict[str, Any] = {
    "standinExtra": {
        "bigInt": 9007199254740993,  # 2**53 + 1: does not survive a trip through a double
        "ratio": 0.1,
        "negative": -42,
        "text": "生成中 ✨ \"quoted\" \\ back\nslash",
        "nothing": None,
        "flag": False,
        "list": [1, "two", {"three": [3]}],
        "emptyObject": {},
        "emptyList": [],
    },
    "queuePosition": 0,
}

DEFAULT_MODELS: list[dict[str, Any]] = [
    {
        "name": "gpt-image-1",
        "description": "OpenAI GPT Image 1",
        "summary": "通用图像生成",
        "logo": "https://example.invalid/logo/openai.png",
        "tags": ["openai", "热门"],
        "mainTag": "openai",
        "sizes": ["1024x1024", "1536x1024", "1024x1536"],
        "qualities": ["low", "medium", "high"],
        "styles": [],
        "pricing": "12",
    },
    {
        "name": "doubao-seedream-4-0",
        "description": "豆包 Seedream 4.0",
        "tags": ["bytedance"],
        "sizes": ["1024x1024", "2048x2048"],
        "qualities": ["standard"],
        "styles": ["vivid", "natural"],
        "pricing": "10",
    },
    {
        # Jobs of this model end `failed` (a convenience for manual and benchmark runs).
        "name": "standin-fail",
        "description": "always fails (stand-in only)",
        "tags": [],
        "sizes": ["1024x1024"],
        "qualities": [],
        "styles": [],
        "pricing": "5",
    },
]

DEFAULT_EDIT_MODELS: list[dict[str, Any]] = [
    {
        "name": "gpt-image-1",
        "description": "OpenAI GPT Image 1 (edit)",
        "tags": ["openai"],
        "sizes": ["1024x1024", "1536x1024"],
        "pricing": "12",
        "maxInputImages": 10,
    },
    {
        "name": "doubao-seededit-3-0",
        "description": "豆包 SeedEdit 3.0",
        "tags": ["bytedance"],
        "sizes": ["1024x1024"],
        "pricing": "8",
        "maxInputImages": 1,
    },
]

DEFAULT_VIDEO_MODELS: list[dict[str, Any]] = [
    {
        "name": "standin-video",
        "description": "stand-in video model",
        "summary": "文生视频 / 图生视频",
        "tags": ["standin"],
        "channel": "standin",
        "modes": ["text2video", "image2video", "flf2video"],
        "resolutions": ["720p", "1080p"],
        "durations": [5, 10],
        "maxInputImages": 2,
        "inputConstraints": {"images": {"maxCount": 2, "formats": ["png", "jpeg"]}},
        "aspectRatios": ["16:9", "9:16", "1:1"],
        "defaults": {"resolution": "720p", "aspectRatio": "16:9", "duration": 5},
        "pricing": [
            {"resolution": "720p", "duration": 5, "price": 100},
            {"resolution": "720p", "duration": 10, "price": 200},
            {"resolution": "1080p", "duration": 5, "price": 150, "originPrice": 180, "discount": "8.3折"},
            {"resolution": "1080p", "duration": 10, "price": 300},
        ],
    },
    {
        # Jobs of this model end FAILURE.
        "name": "standin-video-fail",
        "description": "always fails (stand-in only)",
        "tags": [],
        "channel": "standin",
        "modes": ["text2video"],
        "resolutions": ["720p"],
        "durations": [5],
        "maxInputImages": 0,
        "aspectRatios": ["16:9"],
        "defaults": {"resolution": "720p", "aspectRatio": "16:9", "duration": 5},
        "pricing": [{"price": 50}],
    },
]

VIDEO_BODY_FIELDS = {"model", "prompt", "image", "image_tail", "images", "videos", "audios", "video_url", "mode",
                     "resolution", "ratio", "size", "duration", "seed", "watermark", "tools", "metadata", "groupId", "source"}
VIDEO_SOURCES = ("ai_video", "ai_draft_generation", "plugin")


def small_mp4(seed: str) -> bytes:
    """Bytes that start like an MP4 (an ``ftyp`` box, then an ``mdat`` box), different per seed."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    payload = (seed.encode("utf-8") * 64)[:4096] or b"-"
    return ftyp + struct.pack(">I", 8 + len(payload)) + b"mdat" + payload


def validate_video_body(body: Any) -> bool:
    """The video schema: prompt and model, then each optional field's type."""
    if not _prompt_and_model_ok(body):
        return False

    def strs(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    for k in ("image_tail", "video_url", "mode", "resolution", "ratio", "size", "groupId"):
        if k in body and not isinstance(body[k], str):
            return False
    if "image" in body and not (isinstance(body["image"], str) or strs(body["image"])):
        return False
    for k in ("images", "videos", "audios"):
        if k in body and not strs(body[k]):
            return False
    if "duration" in body and (isinstance(body["duration"], bool) or not isinstance(body["duration"], (int, float))):
        return False
    if "seed" in body and (isinstance(body["seed"], bool) or not isinstance(body["seed"], int)):
        return False
    if "watermark" in body and not isinstance(body["watermark"], bool):
        return False
    if "source" in body and body["source"] not in VIDEO_SOURCES:
        return False
    if "tools" in body and not (isinstance(body["tools"], list)
                                and all(isinstance(t, dict) and t.get("type") == "web_search" for t in body["tools"])):
        return False
    if "metadata" in body and not isinstance(body["metadata"], dict):
        return False
    return True


def video_price(model: dict[str, Any], body: dict[str, Any]) -> Any:
    """The first pricing row whose given fields all match the request, defaults filling the gaps."""
    d = model.get("defaults") or {}
    want = {"resolution": body.get("resolution", d.get("resolution")), "aspectRatio": body.get("ratio", d.get("aspectRatio")),
            "mode": body.get("mode"), "duration": body.get("duration", d.get("duration"))}
    for row in model.get("pricing") or []:
        if all(row[k] == want[k] for k in ("resolution", "aspectRatio", "mode", "duration") if k in row):
            return row["price"]
    return None


BODY_FIELDS = {"prompt", "model", "n", "quality", "response_format", "size", "style", "user", "source"}
EDIT_BODY_FIELDS = {"prompt", "model", "image", "mask", "n", "size", "response_format", "user", "source"}
INVALID_DATA_URI = "Invalid data URI"
RESPONSE_FORMATS = ("url", "b64_json")
SOURCES = ("ai_image", "ai_draft_generation", "plugin")
LOG_ID = re.compile(r"[0-9a-fA-F]{24}")

SUBMIT_PATH = "/api/ai/image/generate/async"
EDIT_PATH = "/api/ai/image/edit/async"
STATUS_PREFIX = "/api/ai/image/task/"
MODELS_PATH = "/api/ai/models/image/generation"
EDIT_MODELS_PATH = "/api/ai/models/image/edit"
IMAGE_PREFIX = "/images/"
VIDEO_SUBMIT_PATH = "/api/ai/video/generations"
VIDEO_STATUS_PREFIX = "/api/ai/video/generations/"
VIDEO_MODELS_PATH = "/api/ai/models/video/generation"
VIDEO_PREFIX = "/videos/"
LOGS_PATH = "/api/ai/logs"

HTML_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

HUGE_IMAGE_BYTES = 51 * 1024 * 1024


class _Omit:
    """``plan_job(answer_log_id=OMIT)``: the submission answer carries no logId at all."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT = _Omit()


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def iso_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_log_id() -> str:
    return f"{int(time.time()):08x}" + secrets.token_hex(8)


def endpoint_of(method: str, path: str) -> str:
    if path == SUBMIT_PATH and method == "POST":
        return "submit"
    if path == EDIT_PATH and method == "POST":
        return "edit"
    if path == EDIT_MODELS_PATH and method == "GET":
        return "edit_models"
    if path.startswith(STATUS_PREFIX) and method == "GET":
        return "status"
    if path == MODELS_PATH and method == "GET":
        return "models"
    if path.startswith(IMAGE_PREFIX) and method == "GET":
        return "image"
    if path == VIDEO_SUBMIT_PATH and method == "POST":
        return "video_submit"
    if path.startswith(VIDEO_STATUS_PREFIX) and method == "GET":
        return "video_status"
    if path == VIDEO_MODELS_PATH and method == "GET":
        return "video_models"
    if path.startswith(VIDEO_PREFIX) and method == "GET":
        return "video"
    if path == LOGS_PATH and method == "GET":
        return "logs"
    return "other"


# ---------------------------------------------------------------------------
# Log and jobs
# ---------------------------------------------------------------------------


class Headers:
    """Case-insensitive, order-keeping view of request headers."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = list(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.items:
            if k.lower() == name.lower():
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.items if k.lower() == name.lower()]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> str:
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.items}

    def __repr__(self) -> str:
        return f"Headers({self.items!r})"


@dataclass
class LoggedRequest:
    seq: int
    endpoint: str
    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    time: float  # time.monotonic() when the request was fully read
    fault: str | None = None
    answered: bool = False  # a complete HTTP response was written
    status: int | None = None  # HTTP status written (or that would have been, for a drop)
    response_body: bytes | None = None
    answered_time: float | None = None
    log_id: str | None = None  # the job this request created or asked about
    conn: int | None = None  # id of the TCP connection it came on (1, 2, ... in accept order)
    bytes_sent: int | None = None  # body bytes written by the /images/huge route so far

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-Id")

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    @property
    def response_json(self) -> Any:
        if self.response_body is None:
            return None
        try:
            return json.loads(self.response_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def __repr__(self) -> str:
        return (
            f"<{self.seq} {self.endpoint} {self.method} {self.path} fault={self.fault} "
            f"status={self.status} answered={self.answered}>"
        )


@dataclass
class Fault:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)


@dataclass
class Job:
    log_id: str
    request: dict[str, Any]
    kind: str  # "generation" | "edit"
    outcome: str  # "success" | "failed"
    pending_polls: int | None  # status answers that still say `generating`; None: no limit
    delay_s: float | None  # seconds after creation when the job ends; None: no limit
    error_message: str
    images: list[dict[str, Any]] | None  # explicit images (None: made from the request)
    extra: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    created_iso: str = field(default_factory=iso_now)
    polls: int = 0
    finished_iso: str | None = None
    last_served: dict[str, Any] | None = None


class ServerState:
    """Everything the stand-in knows; shared by the handler threads (guarded by `lock`)."""

    def __init__(
        self,
        api_key: str | None,
        pending_polls: int | None,
        job_delay_ms: int | None,
        outcome: str,
    ):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.closing = threading.Event()
        self.api_key = api_key
        self.pending_polls = pending_polls
        self.job_delay_ms = job_delay_ms
        self.outcome = outcome
        self.error_message = "内容违反使用政策 (content policy violation)"
        self.credits_insufficient = False
        self.require_key_for_models = False
        self.models: list[dict[str, Any]] = copy.deepcopy(DEFAULT_MODELS)
        self.edit_models: list[dict[str, Any]] = copy.deepcopy(DEFAULT_EDIT_MODELS)
        self.fail_models = {"standin-fail"}
        self.video_models: list[dict[str, Any]] = copy.deepcopy(DEFAULT_VIDEO_MODELS)
        self.video_fail_models = {"standin-video-fail"}
        self.video_error_message = "Video task failed"
        self.extra_fields: dict[str, Any] = copy.deepcopy(EXTRA_FIELDS)
        self.base_url = ""
        self.image_base_url = ""  # defaults to base_url
        self.log: list[LoggedRequest] = []
        self.faults: dict[str, collections.deque[Fault]] = collections.defaultdict(collections.deque)
        self.plans: collections.deque[dict[str, Any]] = collections.deque()
        self.jobs: dict[str, Job] = {}
        self.held: list[Fault] = []
        self.seq = 0
        self.connections = 0  # TCP connections accepted so far (the last connection id)
        self.in_flight: collections.Counter[str] = collections.Counter()  # being served now, per endpoint
        self.max_in_flight: collections.Counter[str] = collections.Counter()  # the most at once so far
        self.log_limit: int | None = None  # keep only the newest entries (long benchmark runs)


# ---------------------------------------------------------------------------
# HTTP handler
# ---------------------------------------------------------------------------


class _Dropped(Exception):
    pass


class StandinHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin/1.0"
    # Headers and body go out in separate writes: without this, every answer on a kept-alive
    # connection waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    sys_version = ""

    @property
    def state(self) -> ServerState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def setup(self) -> None:
        super().setup()
        st = self.state
        with st.lock:
            st.connections += 1
            self.conn_id = st.connections
            st.changed.notify_all()

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            out = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        body = self._read_body()
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        endpoint = endpoint_of(self.command, path)
        st = self.state
        with st.lock:
            entry = LoggedRequest(
                seq=st.seq,
                endpoint=endpoint,
                method=self.command,
                path=path,
                query=split.query,
                headers=Headers(list(self.headers.items())),
                body=body,
                time=time.monotonic(),
                conn=self.conn_id,
            )
            st.log.append(entry)
            st.seq += 1
            if st.log_limit is not None and len(st.log) > st.log_limit:
                del st.log[: len(st.log) - st.log_limit]
            fault = st.faults[endpoint].popleft() if st.faults[endpoint] else None
            if fault is not None:
                entry.fault = fault.kind
                if fault.kind == "hold":
                    st.held.append(fault)
            st.in_flight[endpoint] += 1
            st.max_in_flight[endpoint] = max(st.max_in_flight[endpoint], st.in_flight[endpoint])
            st.changed.notify_all()
        try:
            self._serve(entry, fault)
        except _Dropped:
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with st.lock:
                st.in_flight[endpoint] -= 1
                st.changed.notify_all()

    # -- faults --------------------------------------------------------------

    def _serve(self, entry: LoggedRequest, fault: Fault | None) -> None:
        st = self.state
        if fault is not None:
            kind, p = fault.kind, fault.params
            m = re.fullmatch(r"http(\d{3})_html", kind)
            if m or kind == "http_html":
                status = int(m.group(1)) if m else int(p.get("status", 502))
                self._html(entry, status)
                return
            if kind == "http429":
                headers = {"Content-Type": "text/html"}
                retry_after = p.get("retry_after", "0")
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
                body = HTML_PAGE.format(status=429, reason="Too Many Requests").encode()
                self._send(entry, 429, headers, body)
                return
            if kind == "drop":
                if entry.endpoint in ("submit", "edit", "video_submit") and p.get("create_job", True):
                    status, payload = self._route(entry)  # the job exists: it is billed
                    entry.status = status
                    entry.response_body = payload
                self._drop(bool(p.get("rst", False)))
                return
            if kind == "slow":
                st.closing.wait(float(p.get("delay_ms", 1000)) / 1000.0)
            elif kind == "hold":
                fault.released.wait(float(p.get("timeout", 30)))
            elif kind == "non_json":
                body = p.get("body", "<html><body>OK</body></html>")
                body = body.encode() if isinstance(body, str) else body
                ctype = p.get("content_type", "application/json")
                self._send(entry, 200, {"Content-Type": ctype}, body)
                return
            elif kind == "not_envelope":
                body = json.dumps(p.get("body", {"result": "ok", "items": []})).encode()
                self._send(entry, 200, {"Content-Type": "application/json"}, body)
                return
            elif kind == "business":
                code = int(p["code"])
                env = self._envelope(code, p.get("message", MESSAGES.get(code, "error")), p.get("data", {}))
                self._json(entry, 200, env)
                return
            elif kind == "raw":
                body = p.get("body", b"")
                body = body.encode() if isinstance(body, str) else body
                # headers: a dict, or a list of (name, value) pairs that may repeat a name.
                headers = p.get("headers", {})
                self._send(entry, int(p.get("status", 200)), headers if isinstance(headers, list) else dict(headers), body)
                return
            elif kind == "redirect":
                self._redirect(entry, int(p.get("status", 302)), str(p["location"]))
                return
            elif kind == "truncate":
                self._truncate(entry, p)
                return
            else:
                raise ValueError(f"unknown fault {kind!r}")
        if entry.endpoint == "image":
            self._image(entry)
            return
        if entry.endpoint == "video":
            name = entry.path[len(VIDEO_PREFIX):]
            if name.startswith("huge"):
                self._huge_video(entry)
            elif name.startswith("not-a-video"):
                self._send(entry, 200, {"Content-Type": "video/mp4"}, b"<html><body>not a video</body></html>")
            else:
                self._send(entry, 200, {"Content-Type": "video/mp4"}, small_mp4(name))
            return
        status, payload = self._route(entry)
        if status == 404 and entry.endpoint == "other":
            self._html(entry, 404)
            return
        self._send(entry, status, {"Content-Type": "application/json; charset=utf-8"}, payload)

    def _truncate(self, entry: LoggedRequest, p: dict[str, Any]) -> None:
        """Status line, headers with the full Content-Length, part of the body, then close."""
        if "body" in p:
            status = int(p.get("status", 200))
            body = p["body"].encode() if isinstance(p["body"], str) else bytes(p["body"])
        elif entry.endpoint == "submit" and not p.get("create_job", True):
            status, body = 200, json.dumps(self._envelope(0, SUCCESS_MESSAGE, {
                "logId": new_log_id(), "status": "generating"})).encode("utf-8")
        elif entry.endpoint == "image":
            status, body = 200, png_for(entry.path)
        else:
            status, body = self._route(entry)  # on submit: the job exists, it is billed
            status = int(p.get("status", status))
        keep = int(p.get("keep", len(body) // 2))
        keep = max(0, min(keep, len(body) - 1))
        entry.status = status
        entry.response_body = body[:keep]
        self.send_response(status)
        self.send_header("Content-Type", "image/png" if entry.endpoint == "image" else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:keep])
        self._drop(False)

    def _redirect(self, entry: LoggedRequest, status: int, location: str) -> None:
        reason = http.client.responses.get(status, "Redirect")
        body = HTML_PAGE.format(status=status, reason=reason).encode()
        self._send(entry, status, {"Location": location, "Content-Type": "text/html"}, body)

    def _drop(self, rst: bool) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        if rst:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connection.close()
        raise _Dropped()

    # -- writing ---------------------------------------------------------------

    def _send(self, entry: LoggedRequest, status: int, headers: dict[str, str] | list[tuple[str, str]], body: bytes) -> None:
        entry.status = status
        entry.response_body = body
        self.send_response(status)
        for k, v in (headers.items() if isinstance(headers, dict) else headers):
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        with self.state.lock:
            entry.answered = True
            entry.answered_time = time.monotonic()
            self.state.changed.notify_all()

    def _html(self, entry: LoggedRequest, status: int) -> None:
        reason = http.client.responses.get(status, "Error")
        body = HTML_PAGE.format(status=status, reason=reason).encode()
        self._send(entry, status, {"Content-Type": "text/html"}, body)

    def _json(self, entry: LoggedRequest, status: int, obj: Any) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(entry, status, {"Content-Type": "application/json; charset=utf-8"}, body)

    def _envelope(self, code: int, message: str, data: Any) -> dict[str, Any]:
        env: dict[str, Any] = {"code": code, "message": message, "data": data}
        rid = self.headers.get("X-Request-Id")
        if rid is not None:
            env["requestId"] = rid
        if code != 0:
            env["timestamp"] = int(time.time() * 1000)
        return env

    def _ok(self, data: Any) -> tuple[int, bytes]:
        return 200, json.dumps(self._envelope(0, SUCCESS_MESSAGE, data), ensure_ascii=False).encode("utf-8")

    def _err(self, code: int, message: str | None = None) -> tuple[int, bytes]:
        env = self._envelope(code, message or MESSAGES.get(code, "error"), {})
        return 200, json.dumps(env, ensure_ascii=False).encode("utf-8")

    # -- the service -------------------------------------------------------------

    def _key_ok(self) -> bool:
        key = self.headers.get("X-Api-Key")
        if not key:
            return False
        return self.state.api_key is None or key == self.state.api_key

    def _route(self, entry: LoggedRequest) -> tuple[int, bytes]:
        if entry.endpoint in ("models", "edit_models", "video_models") and self.headers.get("X-Api-Key") \
                and not self._key_ok():
            # The service checks a key that is present before the route's "public" mark.
            return self._err(401)
        if entry.endpoint == "submit":
            return self._submit(entry)
        if entry.endpoint == "edit":
            return self._submit(entry, "edit")
        if entry.endpoint == "edit_models":
            with self.state.lock:
                return self._ok(copy.deepcopy(self.state.edit_models))
        if entry.endpoint == "status":
            return self._status(entry)
        if entry.endpoint == "video_submit":
            return self._video_submit(entry)
        if entry.endpoint == "video_status":
            return self._video_status(entry)
        if entry.endpoint == "video_models":
            with self.state.lock:
                return self._ok(copy.deepcopy(self.state.video_models))
        if entry.endpoint == "logs":
            return self._logs(entry)
        if entry.endpoint == "models":
            if self.state.require_key_for_models and not self._key_ok():
                return self._err(401)
            with self.state.lock:
                return self._ok(copy.deepcopy(self.state.models))
        return 404, b""

    def _submit(self, entry: LoggedRequest, kind: str = "generation") -> tuple[int, bytes]:
        """A submission of `kind`: the key, the body, the model and the credits checked, then a job
        started. An edit's body is checked by the edit schema, which drops unknown keys; only a
        generation's answer may carry a planned answer_log_id."""
        st = self.state
        if not self._key_ok():
            return self._err(401)
        body = entry.json
        if not (validate_edit_body if kind == "edit" else validate_body)(body):
            return self._err(400, "Bad request")
        if kind == "edit":
            body = {k: v for k, v in body.items() if k in EDIT_BODY_FIELDS}
        with st.lock:
            models = st.edit_models if kind == "edit" else st.models
            if body["model"] not in {m.get("name") for m in models}:
                return self._err(12300)
            if st.credits_insufficient:
                return self._err(12001)
            plan = st.plans.popleft() if st.plans else {}
            job = st_new_job(st, body, plan, kind=kind)
            entry.log_id = job.log_id
        answer: dict[str, Any] = {"logId": job.log_id, "status": "generating"}
        if kind == "generation" and "answer_log_id" in plan:
            if plan["answer_log_id"] is OMIT:
                del answer["logId"]
            else:
                answer["logId"] = plan["answer_log_id"]
        return self._ok(answer)

    def _logs(self, entry: LoggedRequest) -> tuple[int, bytes]:
        """GET /api/ai/logs: the caller's jobs of a type, newest first, a page at a time."""
        if not self._key_ok():
            return self._err(401)
        q = dict(urllib.parse.parse_qsl(entry.query))
        try:
            page = int(q.get("page", "1"))
            page_size = int(q.get("pageSize", "10"))
        except ValueError:
            return self._err(400, "Bad request")
        if page < 1 or not 1 <= page_size <= 1000 or q.get("status") not in (None, "generating", "success", "failed"):
            return self._err(400, "Bad request")
        with self.state.lock:
            # Newest first: the jobs table keeps creation order.
            rows = [log_entry(self.state, j) for j in reversed(list(self.state.jobs.values()))]
        rows = [r for r in rows if ("type" not in q or r["type"] == q["type"])
                and ("status" not in q or r["status"] == q["status"]) and ("model" not in q or r["model"] == q["model"])]
        total = len(rows)
        return self._ok({"page": page, "pageSize": page_size, "totalPages": (total + page_size - 1) // page_size,
                         "total": total, "list": rows[(page - 1) * page_size:page * page_size]})

    def _video_submit(self, entry: LoggedRequest) -> tuple[int, bytes]:
        st = self.state
        if not self._key_ok():
            return self._err(401)
        body = entry.json
        if not validate_video_body(body):
            return self._err(400, "Bad request")
        body = {k: v for k, v in body.items() if k in VIDEO_BODY_FIELDS}
        if "image_tail" in body:
            image = body.get("image")
            if not (isinstance(image, str) or (isinstance(image, list) and len(image) == 1)):
                return self._err(400, "image_tail requires a single first-frame image")
        with st.lock:
            model = next((m for m in st.video_models if m.get("name") == body["model"]), None)
            if model is None:
                return self._err(12300)
            for field_name, key in (("mode", "modes"), ("resolution", "resolutions"), ("ratio", "aspectRatios"),
                                    ("duration", "durations")):
                if field_name in body and body[field_name] not in (model.get(key) or []):
                    return self._err(12300)
            if video_price(model, body) is None:
                return self._err(12300)
            if st.credits_insufficient:
                return self._err(12001)
            plan = st.plans.popleft() if st.plans else {}
            if "outcome" not in plan and body["model"] in st.video_fail_models:
                plan = dict(plan, outcome="failed", error_message=st.video_error_message)
            job = st_new_job(st, body, plan, kind="video")
            entry.log_id = job.log_id
        return self._ok({"id": job.log_id, "status": "SUBMITTED"})

    def _video_status(self, entry: LoggedRequest) -> tuple[int, bytes]:
        st = self.state
        if not self._key_ok():
            return self._err(401)
        task_id = urllib.parse.unquote(entry.path[len(VIDEO_STATUS_PREFIX):])
        entry.log_id = task_id
        if not LOG_ID.fullmatch(task_id):
            return self._err(10002)
        with st.lock:
            job = st.jobs.get(task_id.lower())
            if job is None or job.kind != "video":
                return self._err(12302)
            data = video_task(st, job, advance=True)
        return self._ok(data)

    def _status(self, entry: LoggedRequest) -> tuple[int, bytes]:
        st = self.state
        if not self._key_ok():
            return self._err(401)
        log_id = urllib.parse.unquote(entry.path[len(STATUS_PREFIX):])
        entry.log_id = log_id
        if not LOG_ID.fullmatch(log_id):
            return self._err(10002)
        with st.lock:
            job = st.jobs.get(log_id.lower())
            if job is None or job.kind == "video":
                return self._err(404)
            data = task_status(st, job, advance=True)
        return self._ok(data)

    def _huge_video(self, entry: LoggedRequest) -> None:
        size = int((urllib.parse.parse_qs(entry.query).get("bytes") or ["60000000"])[0])
        entry.status = 200
        entry.bytes_sent = 0
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        head = small_mp4("huge")[:32]
        self.wfile.write(head)
        entry.bytes_sent = len(head)
        left, block = size - len(head), b"\x00" * 65536
        while left > 0:
            n = min(left, len(block))
            self.wfile.write(block[:n])
            left -= n
            entry.bytes_sent += n
        self.wfile.flush()
        with self.state.lock:
            entry.answered = True
            entry.answered_time = time.monotonic()

    def _image(self, entry: LoggedRequest) -> None:
        name = entry.path[len(IMAGE_PREFIX):]
        if name.startswith("not-an-image"):
            body = b"<html><body>this is not an image</body></html>"
            self._send(entry, 200, {"Content-Type": "image/png"}, body)
            return
        if name.startswith("missing"):
            self._html(entry, 404)
            return
        query = urllib.parse.parse_qs(entry.query)
        redirect_status = int((query.get("status") or ["302"])[0])
        if name == "redirect-to":
            self._redirect(entry, redirect_status, (query.get("location") or [""])[0])
            return
        m = re.fullmatch(r"redirect/(\d+)/(.+)", name)
        if m:
            hops, rest = int(m.group(1)), m.group(2)
            if hops == 0:
                self._send(entry, 200, {"Content-Type": "image/png"}, png_for(IMAGE_PREFIX + rest))
                return
            host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            location = f"http://{host}{IMAGE_PREFIX}redirect/{hops - 1}/{rest}"
            if entry.query:
                location += "?" + entry.query
            self._redirect(entry, redirect_status, location)
            return
        if name.startswith("huge"):
            size = int((query.get("bytes") or [str(HUGE_IMAGE_BYTES)])[0])
            entry.status = 200
            entry.bytes_sent = 0
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            head = make_png(64, 64)
            self.wfile.write(head)
            entry.bytes_sent = len(head)
            left = size - len(head)
            block = b"\x00" * 65536
            while left > 0:
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n
                entry.bytes_sent += n
            self.wfile.flush()
            with self.state.lock:
                entry.answered = True
                entry.answered_time = time.monotonic()
            return
        self._send(entry, 200, {"Content-Type": "image/png"}, png_for(entry.path))


def _prompt_and_model_ok(body: Any) -> bool:
    """What every submission body has: an object with a prompt (1 to 4000 UTF-16 units) and a model."""
    if not isinstance(body, dict):
        return False
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not 1 <= utf16_len(prompt) <= 4000:
        return False
    return isinstance(body.get("model"), str) and bool(body["model"])


def _options_ok(body: dict[str, Any], string_keys: tuple[str, ...]) -> bool:
    """The options every submission body may have: `string_keys` as strings, a known
    response_format and source."""
    for key in string_keys:
        if key in body and not isinstance(body[key], str):
            return False
    if "response_format" in body and body["response_format"] not in RESPONSE_FORMATS:
        return False
    return "source" not in body or body["source"] in SOURCES


def validate_body(body: Any) -> bool:
    """The server's own check of the submission body (class-validator, whitelist)."""
    if not _prompt_and_model_ok(body) or set(body) - BODY_FIELDS:
        return False
    if "n" in body and (type(body["n"]) is not int or not 1 <= body["n"] <= 10):
        return False
    return _options_ok(body, ("quality", "size", "style", "user"))


def validate_edit_body(body: Any) -> bool:
    """The server's own check of an edit body (unknown keys are dropped, not refused)."""
    if not _prompt_and_model_ok(body):
        return False
    image = body.get("image")
    if isinstance(image, list):
        if not image or not all(isinstance(i, str) for i in image):
            return False
    elif not isinstance(image, str):
        return False
    if "mask" in body and not isinstance(body["mask"], str):
        return False
    if "n" in body and (type(body["n"]) is not int or body["n"] != 1):
        return False
    return _options_ok(body, ("size", "user"))


def edit_inputs(request: dict[str, Any]) -> list[str]:
    """The input strings of an edit request: its images, then its mask."""
    image = request.get("image")
    inputs = list(image) if isinstance(image, list) else [image]
    if isinstance(request.get("mask"), str):
        inputs.append(request["mask"])
    return inputs


def decode_data_uri(text: str) -> bytes | None:
    """The bytes of a `data:<type>;base64,<data>` URI, or None when it does not decode."""
    head, sep, data = text.partition(",")
    if not sep or not head.lower().startswith("data:") or not head.lower().endswith(";base64"):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        return None


def edit_failure(request: dict[str, Any]) -> str | None:
    """Why the worker fails an edit job (it reads the inputs only now), or None."""
    for text in edit_inputs(request):
        if text.lower().startswith("data:"):
            if decode_data_uri(text) is None:
                return INVALID_DATA_URI
        elif urllib.parse.urlsplit(text).path.startswith(IMAGE_PREFIX + "missing"):
            return f"Failed to fetch image: {text} answered HTTP 404"
    return None


def edit_digest(request: dict[str, Any]) -> str:
    """A digest of the input bytes (data URIs decoded, URLs as text) and the prompt."""
    h = zlib.crc32(str(request.get("prompt", "")).encode("utf-8"))
    for text in edit_inputs(request):
        data = decode_data_uri(text) if text.lower().startswith("data:") else None
        h = zlib.crc32(data if data is not None else text.encode("utf-8"), h)
    return f"{h:08x}"


def st_new_job(st: ServerState, request: dict[str, Any], plan: dict[str, Any], kind: str = "generation") -> Job:
    outcome = plan.get("outcome")
    if outcome is None:
        outcome = "failed" if request.get("model") in st.fail_models else st.outcome
    delay_ms = plan.get("delay_ms", st.job_delay_ms)
    pending = plan.get("pending_polls", st.pending_polls)
    if "delay_ms" in plan and "pending_polls" not in plan:
        pending = None
    error_message = plan.get("error_message", st.error_message)
    if kind == "edit" and outcome == "success" and "outcome" not in plan:
        reason = edit_failure(request)
        if reason is not None:
            outcome, error_message = "failed", reason
    job = Job(
        log_id=plan.get("log_id") or new_log_id(),
        request=copy.deepcopy(request),
        kind=kind,
        outcome=outcome,
        pending_polls=pending,
        delay_s=None if delay_ms is None else delay_ms / 1000.0,
        error_message=error_message,
        images=copy.deepcopy(plan.get("images")),
        extra=copy.deepcopy(plan.get("extra", st.extra_fields)),
    )
    st.jobs[job.log_id.lower()] = job
    return job


def task_status(st: ServerState, job: Job, advance: bool) -> dict[str, Any]:
    """The TaskStatus the service returns now; `advance` counts this as a poll."""
    now = time.monotonic()
    done = False
    if job.finished_iso is not None:
        done = True
    else:
        if job.pending_polls is not None and job.polls >= job.pending_polls:
            done = True
        if job.delay_s is not None and now - job.created >= job.delay_s:
            done = True
        if job.pending_polls is None and job.delay_s is None:
            done = False
    if advance:
        job.polls += 1
    status = job.outcome if done else "generating"
    if done and job.finished_iso is None:
        job.finished_iso = iso_now()
    data: dict[str, Any] = {
        "logId": job.log_id,
        "status": status,
        "startedAt": job.created_iso,
        "request": copy.deepcopy(job.request),
        "createdAt": job.created_iso,
        "updatedAt": job.finished_iso or iso_now(),
    }
    if done:
        data["duration"] = max(1, int((now - job.created) * 1000))
        if status == "success":
            data["images"] = copy.deepcopy(job.images) if job.images is not None else make_images(st, job)
            data["response"] = {"created": int(time.time()), "usage": {"total_tokens": 42}}
        else:
            data["errorMessage"] = job.error_message
        # What the job cost, set when it settles: the model's price once per request, 0 once refunded.
        data["points"] = image_price(st, job) if status == "success" else 0
    data.update(copy.deepcopy(job.extra))
    job.last_served = copy.deepcopy(data)
    return data


def image_price(st: ServerState, job: Job) -> Any:
    """The model's `pricing` as a number (the service charges it once per request, whatever n is)."""
    models = st.edit_models if job.kind == "edit" else st.models
    model = next((m for m in models if m.get("name") == job.request.get("model")), None)
    try:
        price = float((model or {}).get("pricing"))
    except (TypeError, ValueError):
        return 0
    return int(price) if price.is_integer() else price


def log_entry(st: ServerState, job: Job) -> dict[str, Any]:
    """A job as GET /api/ai/logs lists it (its status as the status endpoint would say now)."""
    served = job.last_served  # listing is no status reply: what was last served stays what it was
    if job.kind == "video":
        status = video_task(st, job, advance=False)["status"]
        status = {"SUCCESS": "success", "FAILURE": "failed"}.get(status, "generating")
    else:
        status = task_status(st, job, advance=False)["status"]
    job.last_served = served
    entry: dict[str, Any] = {
        "id": job.log_id, "type": "video" if job.kind == "video" else "image", "model": job.request.get("model"),
        "channel": "standin", "action": job.kind, "status": status, "startedAt": job.created_iso,
        "createdAt": job.created_iso, "updatedAt": job.finished_iso or job.created_iso,
        "userId": "u-standin", "userType": "user",
    }
    if job.kind == "video":
        entry["taskId"] = job.log_id
    return entry


def video_task(st: ServerState, job: Job, advance: bool) -> dict[str, Any]:
    """The VideoTask the service returns now: SUBMITTED, InProgress, then SUCCESS or FAILURE."""
    now = time.monotonic()
    done = job.finished_iso is not None
    if not done:
        if job.pending_polls is not None and job.polls >= job.pending_polls:
            done = True
        if job.delay_s is not None and now - job.created >= job.delay_s:
            done = True
    polls_before = job.polls
    if advance:
        job.polls += 1
    if done and job.finished_iso is None:
        job.finished_iso = iso_now()
    r = job.request
    if done:
        status = "SUCCESS" if job.outcome == "success" else "FAILURE"
    else:
        status = "SUBMITTED" if polls_before == 0 else "InProgress"
    data: dict[str, Any] = {
        "id": job.log_id,
        "model": r.get("model"),
        "status": status,
        "input": {k: v for k, v in {"prompt": r.get("prompt"), "image": r.get("image"), "images": r.get("images"),
                                    "duration": r.get("duration"), "aspectRatio": r.get("ratio"),
                                    "resolution": r.get("resolution")}.items() if v is not None},
        "videoUrl": None,
        "coverUrl": None,
        "submittedAt": job.created_iso,
        "startedAt": job.created_iso,
    }
    if done:
        data["finishedAt"] = job.finished_iso
        base = st.image_base_url or st.base_url
        if status == "SUCCESS":
            data["videoUrl"] = job.extra.get("videoUrl", f"{base}{VIDEO_PREFIX}{job.log_id}/result.mp4")
            data["coverUrl"] = job.extra.get("coverUrl", f"{base}{IMAGE_PREFIX}{job.log_id}/cover.png")
            data["mediaId"] = "m" + job.log_id[:8]
        else:
            data["error"] = {"message": job.error_message}
    job.last_served = copy.deepcopy(data)
    return data


def make_images(st: ServerState, job: Job) -> list[dict[str, Any]]:
    n = job.request.get("n", 1)
    fmt = job.request.get("response_format", "url")
    # An edit's pictures derive from its inputs: the same prompt over other pictures gives others.
    stem = f"edit-{edit_digest(job.request)}-" if job.kind == "edit" else ""
    images = []
    for i in range(n if isinstance(n, int) else 1):
        if fmt == "b64_json":
            png = png_for(f"{IMAGE_PREFIX}{job.log_id}/{stem}b64-{i}.png")
            images.append({"b64_json": base64.b64encode(png).decode("ascii"), "url": None,
                           "revised_prompt": f"revised #{i}"})
        else:
            base = st.image_base_url or st.base_url
            images.append({"url": f"{base}{IMAGE_PREFIX}{job.log_id}/{stem}upstream-name-{i}.png",
                           "revised_prompt": f"revised #{i}"})
    return images


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # listen backlog: hundreds of clients may connect at once


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def _wait_on(cond: threading.Condition, found: Callable[[], Any], timeout: float,
             failure: Callable[[], str]) -> Any:
    """Wait on `cond` (held while `found` and `failure` run) until `found()` returns something
    other than None, and return that; after `timeout` seconds, AssertionError(failure())."""
    deadline = time.monotonic() + timeout
    with cond:
        while (result := found()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(failure())
            cond.wait(left)
        return result


class _Service:
    """Something served in the background: ``start()`` returns it, ``stop()`` ends it, and
    ``with`` does both."""

    _thread: threading.Thread | None = None

    def _serve_on_thread(self, target: Callable[[], Any], name: str) -> Any:
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()
        return self

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class _HTTPService(_Service):
    """A `_Service` that runs the `_HTTPServer` in ``self._httpd`` on a thread named
    ``<_thread_prefix>-<port>``."""

    _thread_prefix = "http"

    def start(self) -> Any:
        return self._serve_on_thread(lambda: self._httpd.serve_forever(poll_interval=0.05),
                                     f"{self._thread_prefix}-{self.port}")

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._join()


# ---------------------------------------------------------------------------
# The public object
# ---------------------------------------------------------------------------


class Standin(_HTTPService):
    """The stand-in service. Attributes that tests may change at any time:

    api_key                 the valid key (None: any non-empty key is valid)
    pending_polls           status answers that say `generating` before a job ends (default 1)
    job_delay_ms            or: a job ends this long after submission (default None)
    outcome                 "success" or "failed" for jobs without a plan
    credits_insufficient    True: every submission answers 12001
    models                  the list `image.models` returns
    edit_models             the list of edit models (`image.models` with kind "edit")
    video_models            the list of video models (`video.models`); video_fail_models: models whose jobs fail
    """

    def __init__(
        self,
        api_key: str | None = "sk-standin-test-key",
        port: int = 0,
        pending_polls: int | None = 1,
        job_delay_ms: int | None = None,
        outcome: str = "success",
        host: str = "127.0.0.1",
    ):
        self._state = ServerState(api_key, pending_polls, job_delay_ms, outcome)
        self._httpd = _HTTPServer((host, port), StandinHandler)
        self._httpd.state = self._state  # type: ignore[attr-defined]
        self.host = host
        self.port = self._httpd.server_address[1]
        self._state.base_url = f"http://{host}:{self.port}"

    # -- settings (forwarded to the shared state) ---------------------------------

    _SETTINGS = ("api_key", "pending_polls", "job_delay_ms", "outcome", "credits_insufficient",
                 "models", "edit_models", "fail_models", "video_models", "video_fail_models", "video_error_message", "extra_fields", "error_message", "image_base_url",
                 "require_key_for_models", "log_limit")

    def __getattr__(self, name: str) -> Any:
        if name in Standin._SETTINGS:
            return getattr(self._state, name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Standin._SETTINGS:
            with self._state.lock:
                setattr(self._state, name, value)
        else:
            object.__setattr__(self, name, value)

    @property
    def base_url(self) -> str:
        return self._state.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def image_url(self, name: str) -> str:
        """The URL of `/images/<name>` on the image host (image_base_url, else base_url)."""
        with self._state.lock:
            base = self._state.image_base_url or self._state.base_url
        return f"{base}{IMAGE_PREFIX}{name}"

    def redirect_chain_url(self, hops: int, name: str, status: int = 302) -> str:
        """An image URL that answers `hops` redirects (HTTP `status`), each to the next link of
        the chain on the same host, before the PNG ``png_for("/images/<name>")``."""
        url = self.image_url(f"redirect/{hops}/{name}")
        return url if status == 302 else f"{url}?status={status}"

    def redirect_to_url(self, location: str, status: int = 302) -> str:
        """An image URL that answers one redirect (HTTP `status`) to `location`, any URL."""
        query = urllib.parse.urlencode({"location": location, "status": status})
        return self.image_url(f"redirect-to?{query}")

    # -- lifecycle (start, and `with`: see _HTTPService) ---------------------------------

    _thread_prefix = "standin"

    def stop(self) -> None:
        self._state.closing.set()
        self.release()
        super().stop()

    # -- faults and jobs -------------------------------------------------------------

    def inject(self, endpoint: str, kind: str, times: int = 1, **params: Any) -> None:
        """Queue `times` faults of `kind` for the next requests to `endpoint`."""
        if endpoint not in ("submit", "edit", "status", "models", "edit_models", "image", "logs", "other"):
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._state.lock:
            for _ in range(times):
                self._state.faults[endpoint].append(Fault(kind, dict(params)))

    def clear_faults(self, endpoint: str | None = None) -> None:
        with self._state.lock:
            if endpoint is None:
                self._state.faults.clear()
            else:
                self._state.faults[endpoint].clear()

    def pending_faults(self, endpoint: str) -> int:
        with self._state.lock:
            return len(self._state.faults[endpoint])

    def release(self) -> None:
        """Let every `hold` fault (now waiting or yet to come) answer."""
        with self._state.lock:
            for f in self._state.held:
                f.released.set()
            for q in self._state.faults.values():
                for f in q:
                    if f.kind == "hold":
                        f.released.set()

    def plan_job(self, **plan: Any) -> None:
        """How the next accepted submission's job behaves: outcome, pending_polls,
        delay_ms, error_message, images (explicit list), extra (extra fields), log_id;
        answer_log_id: the logId the submission answer carries instead of the job's (any JSON
        value; ``OMIT``: none at all)."""
        with self._state.lock:
            self._state.plans.append(plan)

    def add_job(self, request: dict[str, Any] | None = None, kind: str = "generation", **plan: Any) -> str:
        """Create a job of `kind` ("generation" or "edit") as if it had been submitted (nothing is
        logged); returns its logId. By default it is already terminal (pending_polls=0)."""
        plan.setdefault("pending_polls", 0)
        req = request or {"prompt": "a red fox", "model": "gpt-image-1"}
        with self._state.lock:
            return st_new_job(self._state, req, plan, kind=kind).log_id

    def add_video_job(self, request: dict[str, Any] | None = None, **plan: Any) -> str:
        """Create a video job as if it had been submitted (nothing logged); returns its taskId."""
        plan.setdefault("pending_polls", 0)
        req = request or {"prompt": "a red fox running", "model": "standin-video"}
        with self._state.lock:
            return st_new_job(self._state, req, plan, kind="video").log_id

    def job(self, log_id: str) -> Job:
        with self._state.lock:
            return self._state.jobs[log_id.lower()]

    def last_served(self, log_id: str) -> dict[str, Any] | None:
        """The TaskStatus last sent for this job."""
        with self._state.lock:
            j = self._state.jobs.get(log_id.lower())
            return copy.deepcopy(j.last_served) if j else None

    def peek_status(self, log_id: str) -> dict[str, Any]:
        """What a status request would answer now, without counting as a poll."""
        with self._state.lock:
            return task_status(self._state, self._state.jobs[log_id.lower()], advance=False)

    # -- the log ------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._state.lock:
            return list(self._state.log)

    def requests_for(self, endpoint: str) -> list[LoggedRequest]:
        with self._state.lock:
            return [r for r in self._state.log if r.endpoint == endpoint]

    def count(self, endpoint: str | None = None) -> int:
        with self._state.lock:
            return sum(1 for r in self._state.log if endpoint is None or r.endpoint == endpoint)

    def wait_for(self, endpoint: str | None, count: int = 1, timeout: float = 5.0,
                 answered: bool = False) -> list[LoggedRequest]:
        """Wait until `count` requests to `endpoint` (None: any) were received
        (`answered=True`: and answered); return those requests."""
        def found() -> list[LoggedRequest] | None:
            got = [r for r in self._state.log
                   if (endpoint is None or r.endpoint == endpoint) and (r.answered or not answered)]
            return got if len(got) >= count else None

        return _wait_on(self._state.changed, found, timeout, lambda: (
            f"stand-in: timed out after {timeout}s waiting for {count} {endpoint or 'any'} "
            f"request(s){' answered' if answered else ''}; log: {self._state.log!r}"))

    def wait_held(self, endpoint: str, timeout: float = 5.0) -> LoggedRequest:
        """Wait until a request to `endpoint` is being held by a `hold` fault."""
        return _wait_on(self._state.changed,
                        lambda: next((r for r in self._state.log
                                      if r.endpoint == endpoint and r.fault == "hold" and not r.answered), None),
                        timeout, lambda: f"stand-in: no held {endpoint} request after {timeout}s")

    def in_flight(self, endpoint: str) -> int:
        """Requests to `endpoint` being served now (read, not yet fully answered or dropped)."""
        with self._state.lock:
            return self._state.in_flight[endpoint]

    def max_in_flight(self, endpoint: str) -> int:
        """The most requests to `endpoint` served at the same time since the start (or the last
        ``reset_max_in_flight``)."""
        with self._state.lock:
            return self._state.max_in_flight[endpoint]

    def reset_max_in_flight(self) -> None:
        with self._state.lock:
            self._state.max_in_flight = collections.Counter(self._state.in_flight)

    def clear_log(self) -> None:
        """Forget the logged requests (the connection count and ids go on)."""
        with self._state.lock:
            self._state.log.clear()

    # -- connections ----------------------------------------------------------------------

    @property
    def accepted_connections(self) -> int:
        """TCP connections accepted so far, whether or not a request came on them. Connection
        ids (``LoggedRequest.conn``) run 1..accepted_connections in accept order."""
        with self._state.lock:
            return self._state.connections

    def requests_by_conn(self, endpoint: str | None = None) -> dict[int, list[LoggedRequest]]:
        """Logged requests grouped by connection id (in arrival order); `endpoint` keeps only
        the connections that carried at least one request to it (with all their requests)."""
        groups: dict[int, list[LoggedRequest]] = {}
        with self._state.lock:
            for r in self._state.log:
                groups.setdefault(r.conn if r.conn is not None else -1, []).append(r)
        if endpoint is not None:
            groups = {c: rs for c, rs in groups.items() if any(r.endpoint == endpoint for r in rs)}
        return groups


# ---------------------------------------------------------------------------
# A plain forwarding HTTP proxy
# ---------------------------------------------------------------------------

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "proxy-connection"}


@dataclass
class ProxiedRequest:
    method: str
    target: str  # absolute-form URL, or host:port for CONNECT
    headers: Headers
    body: bytes
    time: float
    status: int | None = None


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self, body: bytes) -> ProxiedRequest:
        proxy: ForwardingProxy = self.server.proxy  # type: ignore[attr-defined]
        rec = ProxiedRequest(self.command, self.path, Headers(list(self.headers.items())), body, time.monotonic())
        with proxy._cond:
            proxy._log.append(rec)
            proxy._cond.notify_all()
        return rec

    def do_CONNECT(self) -> None:
        rec = self._record(b"")
        rec.status = 502
        body = b"tunnelling is not supported by this test proxy"
        self.send_response(502)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = self._record(body)
        target = urllib.parse.urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            rec.status = 400
            self._reply(400, [], b"absolute-form http URL expected")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            conn.request(self.command, path, body=body if (body or self.command == "POST") else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out_headers = [(k, v) for k, v in resp.getheaders()
                           if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
            rec.status = resp.status
            self._reply(resp.status, out_headers, data)
        except (OSError, http.client.HTTPException) as e:
            rec.status = 502
            self._reply(502, [], f"proxy: upstream failed: {e}".encode())
        finally:
            conn.close()

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _forward
    do_POST = _forward
    do_PUT = _forward
    do_DELETE = _forward
    do_HEAD = _forward


class ForwardingProxy(_HTTPService):
    """An HTTP proxy on 127.0.0.1 (or ``host="::1"``) that forwards absolute-form requests and
    logs them. CONNECT is logged and refused (502)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1"):
        self._cond = threading.Condition()
        self._log: list[ProxiedRequest] = []
        server_class = _HTTPServer6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), _ProxyHandler)
        self._httpd.proxy = self  # type: ignore[attr-defined]
        self.port = self._httpd.server_address[1]
        self.url = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[ProxiedRequest]:
        with self._cond:
            return list(self._log)

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[ProxiedRequest]:
        return _wait_on(self._cond, lambda: list(self._log) if len(self._log) >= count else None, timeout,
                        lambda: f"proxy: {len(self._log)} request(s) after {timeout}s, wanted {count}")

    _thread_prefix = "proxy"


# ---------------------------------------------------------------------------
# Raw TCP servers (no HTTP)
# ---------------------------------------------------------------------------


class RawTCPServer(_Service):
    """A loopback TCP server that reads what the client sends first (up to `read_timeout`
    seconds, one recv), writes `reply` and closes; for example garbage in answer to a TLS
    ClientHello. `accepted` counts the connections; `received` holds each one's first bytes."""

    def __init__(self, reply: bytes = b"HELLO\r\n", read_timeout: float = 2.0, port: int = 0):
        self.reply = reply
        self.read_timeout = read_timeout
        self._cond = threading.Condition()
        self._received: list[bytes] = []
        self._accepted = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(1024)
        self.port = self._sock.getsockname()[1]
        self._closing = threading.Event()

    @property
    def accepted(self) -> int:
        with self._cond:
            return self._accepted

    @property
    def received(self) -> list[bytes]:
        with self._cond:
            return list(self._received)

    def wait_received(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """Wait until `count` connections were answered and closed; their first bytes."""
        return _wait_on(self._cond, lambda: list(self._received) if len(self._received) >= count else None,
                        timeout, lambda: (f"raw server: {len(self._received)} connection(s) answered "
                                          f"after {timeout}s, wanted {count}"))

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._cond:
                self._accepted += 1
                self._cond.notify_all()
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        data = b""
        try:
            conn.settimeout(self.read_timeout)
            try:
                data = conn.recv(65536)
            except OSError:
                pass
            conn.sendall(self.reply)
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            conn.close()
            with self._cond:
                self._received.append(data)
                self._cond.notify_all()

    def start(self) -> "RawTCPServer":
        return self._serve_on_thread(self._serve, f"raw-{self.port}")

    def stop(self) -> None:
        self._closing.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._join()


class BlackholeServer(_Service):
    """A loopback port where a TCP connect never completes: the socket listens with a backlog
    of 0, never accepts, and one filler connection of its own takes the only queue slot, so
    the kernel drops every further SYN (the client's connect times out; nothing is refused)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        self._fillers: list[socket.socket] = []

    def start(self) -> "BlackholeServer":
        # Fill the accept queue until a connect attempt of our own no longer completes.
        for _ in range(8):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.settimeout(0.3)
            try:
                c.connect(("127.0.0.1", self.port))
            except OSError:
                c.close()
                return self
            self._fillers.append(c)
        raise RuntimeError("BlackholeServer: the accept queue never filled up")

    def stop(self) -> None:
        for c in self._fillers:
            c.close()
        self._sock.close()


def raise_open_file_limit(minimum: int = 4096) -> int:
    """Raise this process's RLIMIT_NOFILE soft limit to at least `minimum` (capped by the hard
    limit); child processes inherit it. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = minimum if hard == resource.RLIM_INFINITY else min(minimum, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def log_entry_json(r: LoggedRequest) -> dict[str, Any]:
    """One logged request as a JSON object (``--log-json``)."""
    return {"seq": r.seq, "endpoint": r.endpoint, "method": r.method, "path": r.path, "query": r.query,
            "headers": r.headers.items, "body": r.body.decode("utf-8", errors="replace"), "fault": r.fault,
            "status": r.status, "answered": r.answered, "log_id": r.log_id, "conn": r.conn}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="A local stand-in for the AiToEarn HTTP API.")
    ap.add_argument("--port", type=int, default=0, help="port (default: ephemeral)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--api-key", default="sk-standin-test-key",
                    help="the valid API key; '*' accepts any non-empty key")
    ap.add_argument("--pending-polls", type=int, default=1,
                    help="status answers that say `generating` before a job ends")
    ap.add_argument("--job-delay-ms", type=int, default=None, help="or: jobs end this long after submission")
    ap.add_argument("--outcome", choices=("success", "failed"), default="success")
    ap.add_argument("--image-base-url", default=None,
                    help="where the `url` images of jobs point (default: this stand-in)")
    ap.add_argument("--proxy-port", type=int, default=None, help="also run a forwarding proxy on this port")
    ap.add_argument("--log-limit", type=int, default=10000, help="request log entries kept in memory")
    ap.add_argument("--log-json", default=None, help="with --then: write the request log here at the end")
    ap.add_argument("--then", nargs=argparse.REMAINDER, default=None,
                    help="run this command once listening (stdio inherited); exit with its status")
    args = ap.parse_args(argv)
    pending = args.pending_polls if args.job_delay_ms is None else None
    server = Standin(api_key=None if args.api_key == "*" else args.api_key, port=args.port,
                     pending_polls=pending, job_delay_ms=args.job_delay_ms, outcome=args.outcome, host=args.host)
    server.log_limit = args.log_limit
    if args.image_base_url:
        server.image_base_url = args.image_base_url
    server.start()
    if args.then:
        # stdout belongs to the command: say nothing there.
        import subprocess
        import sys
        print(f"stand-in listening on {server.base_url}", file=sys.stderr, flush=True)
        try:
            status = subprocess.call(args.then)
        finally:
            server.stop()
            if args.log_json:
                with open(args.log_json, "w", encoding="utf-8") as f:
                    for r in server.requests:
                        f.write(json.dumps(log_entry_json(r)) + "\n")
        return status
    print(f"stand-in listening on {server.base_url}", flush=True)
    proxy = None
    if args.proxy_port is not None:
        proxy = ForwardingProxy(args.proxy_port).start()
        print(f"proxy listening on {proxy.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if proxy:
            proxy.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
