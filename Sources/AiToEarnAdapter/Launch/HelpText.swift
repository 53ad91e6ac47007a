import AiToEarnCore

/// The `--help` text (its options from `LaunchOption.all`); README's option table says the same.
enum HelpText {
    static let text = """
    aitoearn-rpc \(AdapterInfo.version): AiToEarn image generation, editing and video as a JSON-RPC 2.0 server on stdio.

    Usage: aitoearn-rpc [options]

    Editors and agent frameworks start it as a subprocess and speak JSON-RPC 2.0 over
    stdin/stdout, framed the LSP way (Content-Length headers) or as one JSON text per line
    (detected from the first byte). Methods: initialize, shutdown, exit, image.generate,
    image.edit, video.generate, task.status (logId or taskId), task.list, image.models,
    video.models, credits.usage, rpc.discover. Job methods take dryRun: true to price a job without submitting it. Video jobs poll every 10 s at first, backing off to 30 s. Notifications: task.progress,
    $/progress, status.changed. Logs go to stderr; stdout carries protocol messages only.
    It is also an MCP server (tools generate_image, edit_image, generate_video, get_task_status,
    list_image_models, list_video_models, list_jobs, with progress and tasks): MCP 2026-07-28 requests (server/discover, or
    any request naming that version in _meta) need no handshake; an initialize that carries
    protocolVersion opens a legacy (2024-11-05 .. 2025-11-25) session; --mcp speaks MCP from
    the start.

    Options:
    \(LaunchOption.helpLines.joined(separator: "\n"))

    Settings, strongest first: initialize's initializationOptions (apiKey, baseUrl, region,
    pollIntervalMs, timeoutMs, maxCredits), command-line options, environment, defaults.
    Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case) are honoured.
    HTTP goes through the system's libcurl, loaded on the first request; AITOEARN_LIBCURL
    names another libcurl to load.

    Exit status: 0 after shutdown+exit, end of input or SIGTERM/SIGINT/SIGQUIT; 1 after
    exit without shutdown; 2 for a bad option or configuration.
    """
}
