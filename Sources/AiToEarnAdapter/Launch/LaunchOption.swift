import AiToEarnCore
import Diagnostics
import JSONRPC

/// One command-line option: its names, its value's placeholder (none for a flag), its `--help`
/// lines, and what it sets. `LaunchOptions.parse`, the no-value check, "did you mean" and
/// `--help` all come from `LaunchOption.all`.
struct LaunchOption: Sendable {
    typealias Apply = @Sendable (inout LaunchOptions, _ value: Value) throws(LaunchOptions.UsageError) -> Void

    let names: [String]
    /// The value's placeholder in `--help`; nil for a flag, which takes no value.
    let placeholder: String?
    let help: [String]
    let apply: Apply

    /// The value given to an option, with its name for error messages.
    struct Value {
        let option: String
        let text: String

        func credits() throws(LaunchOptions.UsageError) -> Double {
            guard let d = Settings.creditLimit(text) else {
                throw LaunchOptions.UsageError(description: "\(option) needs a number of credits, 0 or more, not \"\(text)\"")
            }
            return d
        }

        func number(min: Int, max: Int) throws(LaunchOptions.UsageError) -> Int {
            guard let n = Int(text), n >= min, n <= max else {
                throw LaunchOptions.UsageError(description: "\(option) needs a whole number from \(min) to \(max), not \"\(text)\"")
            }
            return n
        }
    }

    private init(_ names: [String], _ placeholder: String?, _ help: [String], _ apply: @escaping Apply) {
        (self.names, self.placeholder, self.help, self.apply) = (names, placeholder, help, apply)
    }

    private static func flag(_ names: [String], _ help: [String], _ set: @escaping @Sendable (inout LaunchOptions) -> Void) -> LaunchOption {
        LaunchOption(names, nil, help) { o, _ in set(&o) }
    }

    private static func fail(_ message: String) -> LaunchOptions.UsageError { LaunchOptions.UsageError(description: message) }

    static let all: [LaunchOption] = [
        flag(["--simulate"], [
            "Serve from an offline simulator: no network, no key, no credits.",
            "Models: sim-image (succeeds), sim-image-fail (job fails),",
            "sim-image-broke (12001 insufficient credits); others give 12300.",
            "Edit models: sim-edit (up to 4 input images), sim-edit-single (one).",
            "Video models: sim-video (a real H.264 MP4 drawn from the prompt,",
            "and a PNG cover), sim-video-fail (the job ends FAILURE).",
        ]) { $0.simulate = true },
        LaunchOption(["--simulate-delay-ms"], "MS", [
            "How long a simulated job runs before it ends (default \(Settings.defaultSimulateDelayMs)).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.simulateDelayMs = try v.number(min: 0, max: 86_400_000) },
        LaunchOption(["--region"], "cn|global", ["https://aitoearn.cn or https://aitoearn.ai (default global)."]) { o, v throws(LaunchOptions.UsageError) in
            guard let r = Region(rawValue: v.text) else { throw fail("--region must be \"cn\" or \"global\", not \"\(v.text)\"") }
            o.region = r
        },
        LaunchOption(["--base-url"], "URL", [
            "Service base URL; beats --region. Also AITOEARN_BASE_URL.",
            "Must be https unless the host is loopback.",
        ]) { o, v in o.baseURL = v.text },
        LaunchOption(["--api-key-file"], "PATH", ["Read the API key from a file. Also AITOEARN_API_KEY."]) { o, v in o.apiKeyFile = v.text },
        LaunchOption(["--framing"], "auto|lsp|ndjson", ["Force a framing (default auto)."]) { o, v throws(LaunchOptions.UsageError) in
            if v.text == "auto" { o.framing = nil } else if let k = FramingKind(rawValue: v.text) { o.framing = k } else {
                throw fail("--framing must be auto, lsp or ndjson, not \"\(v.text)\"")
            }
        },
        LaunchOption(["--log-level"], "LEVEL", ["error, warn, info, debug or trace (default warn)."]) { o, v throws(LaunchOptions.UsageError) in
            guard let l = LogLevel(name: v.text) else { throw fail("--log-level must be error, warn, info, debug or trace, not \"\(v.text)\"") }
            o.logLevel = l
        },
        LaunchOption(["--log-file"], "PATH", ["Append logs to a file instead of stderr."]) { o, v in o.logFile = v.text },
        LaunchOption(["--max-message-bytes"], "N", [
            "Largest accepted message (default \(LaunchOptions().maxMessageBytes), at most 1 GiB).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.maxMessageBytes = try v.number(min: 1024, max: 1 << 30) },
        LaunchOption(["--request-timeout-ms"], "MS", [
            "How long an HTTP request may wait for its answer once it is sent",
            "(default \(Settings.defaultRequestTimeoutMs), at most \(Settings.maxHTTPTimeoutMs)).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.requestTimeoutMs = try v.number(min: 1, max: Settings.maxHTTPTimeoutMs) },
        LaunchOption(["--connect-timeout-ms"], "MS", [
            "How long opening a connection (DNS, TCP, TLS, proxy) may take",
            "(default \(Settings.defaultConnectTimeoutMs), at most \(Settings.maxHTTPTimeoutMs)).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.connectTimeoutMs = try v.number(min: 1, max: Settings.maxHTTPTimeoutMs) },
        LaunchOption(["--retry-base-delay-ms"], "MS", [
            "First retry backoff; doubles up to 8 s, with jitter",
            "(default \(Settings.defaultRetryBaseDelayMs), at most 60000).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.retryBaseDelayMs = try v.number(min: 0, max: 60_000) },
        LaunchOption(["--trace-file"], "PATH", [
            "Write every JSON-RPC message and HTTP exchange as JSON lines",
            "(the API key is redacted; the file is made 0600, a symlink is refused).",
        ]) { o, v in o.traceFile = v.text },
        LaunchOption(["--max-credits"], "N", [
            "The most credits this process may commit to jobs; a job that would",
            "pass it, or whose price is unknown, is refused (-32016) unsent.",
            "Failed jobs give theirs back. Also AITOEARN_MAX_CREDITS.",
        ]) { o, v throws(LaunchOptions.UsageError) in o.maxCredits = try v.credits() },
        LaunchOption(["--confirm-credits-above"], "N", [
            "MCP: a job priced above N credits is confirmed with the user",
            "first (elicitation, else the confirm_credits argument).",
        ]) { o, v throws(LaunchOptions.UsageError) in o.confirmCreditsAbove = try v.credits() },
        flag(["--mcp"], [
            "Speak the Model Context Protocol (tools for agent frameworks)",
            "from the start (either revision).",
        ]) { $0.mcp = true },
        LaunchOption(["--image-dir"], "DIR", [
            "Where MCP tools save images that arrive as base64. Also",
            "AITOEARN_IMAGE_DIR; default $XDG_CACHE_HOME/aitoearn-rpc/images.",
        ]) { o, v in o.imageDir = v.text },
        flag(["-V", "--version"], ["Print the version and exit."]) { $0.showVersion = true },
        flag(["-h", "--help"], ["Print this help and exit."]) { $0.showHelp = true },
    ]

    /// The option called `name`, if any.
    static func named(_ name: String) -> LaunchOption? { all.first { $0.names.contains(name) } }

    /// Every long name, for "did you mean".
    static var longNames: [String] { all.flatMap { $0.names.filter { $0.hasPrefix("--") } } }

    /// The options as `--help` lists them: names and placeholder, then the help in a column.
    static var helpLines: [String] {
        all.flatMap { option -> [String] in
            let label = option.names.joined(separator: ", ") + (option.placeholder.map { " " + $0 } ?? "")
            let column = String(repeating: " ", count: 29)
            let first = "  " + label + String(repeating: " ", count: max(2, 27 - label.count)) + option.help[0]
            return [first] + option.help.dropFirst().map { column + $0 }
        }
    }
}
