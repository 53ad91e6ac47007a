import AiToEarnCore

/// The `--help` text; README's option table says the same.
enum HelpText {
    static let text = """
    aitoearn-rpc \(AdapterInfo.version): AiToEarn image generation, editing and video as a JSON-RPC 2.0 server on stdio.

    Usage: aitoearn-rpc [options]

    Editors and agent frameworks start it as a subprocess and speak JSON-RPC 2.0 over
    stdin/stdout, framed the LSP way (Content-Length headers) or as one JSON text per line
    (detected from the first byte). Methods: initialize, shutdown, exit, image.generate,
    image.edit, video.generate, task.status (logId or taskId), image.models, video.models,
    rpc.discover. Video jobs poll every 10 s at first, backing off to 30 s. Notifications: task.progress,
    $/progress, status.changed. Logs go to stderr; stdout carries protocol messages only.
    It is also an MCP server (tools generate_image, edit_image, generate_video, get_task_status,
    list_image_models, list_video_models, with progress and tasks): MCP 2026-07-28 requests (server/discover, or
    any request naming that version in _meta) need no handshake; an initialize that carries
    protocolVersion opens a legacy (2024-11-05 .. 2025-11-25) session; --mcp speaks MCP from
    the start.

    Options:
      --simulate                 Serve from an offline simulator: no network, no key, no credits.
                                 Models: sim-image (succeeds), sim-image-fail (job fails),
                                 sim-image-broke (12001 insufficient credits); others give 12300.
                                 Edit models: sim-edit (up to 4 input images), sim-edit-single (one).
                                 Video models: sim-video (a real H.264 MP4 drawn from the prompt,
                                 and a PNG cover), sim-video-fail (the job ends FAILURE).
      --simulate-delay-ms MS     How long a simulated job runs before it ends (default \(Settings.defaultSimulateDelayMs)).
      --region cn|global         https://aitoearn.cn or https://aitoearn.ai (default global).
      --base-url URL             Service base URL; beats --region. Also AITOEARN_BASE_URL.
                                 Must be https unless the host is loopback.
      --api-key-file PATH        Read the API key from a file. Also AITOEARN_API_KEY.
      --framing auto|lsp|ndjson  Force a framing (default auto).
      --log-level LEVEL          error, warn, info, debug or trace (default warn).
      --log-file PATH            Append logs to a file instead of stderr.
      --max-message-bytes N      Largest accepted message (default 16777216, at most 1 GiB).
      --request-timeout-ms MS    How long an HTTP request may wait for its answer once it is sent
                                 (default \(Settings.defaultRequestTimeoutMs), at most \(Settings.maxHTTPTimeoutMs)).
      --connect-timeout-ms MS    How long opening a connection (DNS, TCP, TLS, proxy) may take
                                 (default \(Settings.defaultConnectTimeoutMs), at most \(Settings.maxHTTPTimeoutMs)).
      --retry-base-delay-ms MS   First retry backoff; doubles up to 8 s, with jitter
                                 (default \(Settings.defaultRetryBaseDelayMs), at most 60000).
      --trace-file PATH          Write every JSON-RPC message and HTTP exchange as JSON lines
                                 (the API key is redacted; the file is made 0600, a symlink is refused).
      --mcp                      Speak the Model Context Protocol (tools for agent frameworks)
                                 from the start (either revision).
      --image-dir DIR            Where MCP tools save images that arrive as base64. Also
                                 AITOEARN_IMAGE_DIR; default $XDG_CACHE_HOME/aitoearn-rpc/images.
      -V, --version              Print the version and exit.
      -h, --help                 Print this help and exit.

    Settings, strongest first: initialize's initializationOptions (apiKey, baseUrl, region,
    pollIntervalMs, timeoutMs), command-line options, environment, defaults.
    Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case) are honoured.
    HTTP goes through the system's libcurl, loaded on the first request; AITOEARN_LIBCURL
    names another libcurl to load.

    Exit status: 0 after shutdown+exit, end of input or SIGTERM/SIGINT/SIGQUIT; 1 after
    exit without shutdown; 2 for a bad option or configuration.
    """
}
