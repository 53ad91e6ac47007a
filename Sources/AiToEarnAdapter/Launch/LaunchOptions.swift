import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONRPC

/// The command line, parsed and checked; a bad option is one line on stderr and exit status 2.
public struct LaunchOptions: Sendable {
    public var simulate = false
    public var simulateDelayMs = Settings.defaultSimulateDelayMs
    public var region: Region?
    public var baseURL: String?
    public var apiKeyFile: String?
    public var framing: FramingKind?
    public var logLevel = LogLevel.warn
    public var logFile: String?
    public var maxMessageBytes = 16 << 20
    public var requestTimeoutMs = Settings.defaultRequestTimeoutMs
    public var connectTimeoutMs = Settings.defaultConnectTimeoutMs
    public var retryBaseDelayMs = Settings.defaultRetryBaseDelayMs
    public var traceFile: String?
    public var mcp = false
    public var imageDir: String?
    public var showHelp = false
    public var showVersion = false

    public struct UsageError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every option `parse` knows, for "did you mean".
    static let optionNames = ["--simulate", "--simulate-delay-ms", "--region", "--base-url", "--api-key-file", "--framing",
                              "--log-level", "--log-file", "--max-message-bytes", "--request-timeout-ms",
                              "--connect-timeout-ms", "--retry-base-delay-ms", "--trace-file", "--mcp", "--image-dir",
                              "--help", "--version"]

    public static func parse(_ args: [String]) throws(UsageError) -> LaunchOptions {
        var o = LaunchOptions()
        var i = 0
        func fail(_ m: String) -> UsageError { UsageError(description: m) }
        while i < args.count {
            var arg = args[i]
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                inline = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            i += 1
            func value() throws(UsageError) -> String {
                if let inline { return inline }
                guard i < args.count else { throw fail("\(arg) needs a value (see --help)") }
                i += 1
                return args[i - 1]
            }
            func number(min: Int, max: Int) throws(UsageError) -> Int {
                let v = try value()
                guard let n = Int(v), n >= min, n <= max else {
                    throw fail("\(arg) needs a whole number from \(min) to \(max), not \"\(v)\"")
                }
                return n
            }
            switch arg {
            case "--simulate": o.simulate = true
            case "--simulate-delay-ms": o.simulateDelayMs = try number(min: 0, max: 86_400_000)
            case "--region":
                let v = try value()
                guard let r = Region(rawValue: v) else { throw fail("--region must be \"cn\" or \"global\", not \"\(v)\"") }
                o.region = r
            case "--base-url": o.baseURL = try value()
            case "--api-key-file": o.apiKeyFile = try value()
            case "--framing":
                let v = try value()
                if v == "auto" { o.framing = nil } else if let k = FramingKind(rawValue: v) { o.framing = k } else {
                    throw fail("--framing must be auto, lsp or ndjson, not \"\(v)\"")
                }
            case "--log-level":
                let v = try value()
                guard let l = LogLevel(name: v) else { throw fail("--log-level must be error, warn, info, debug or trace, not \"\(v)\"") }
                o.logLevel = l
            case "--log-file": o.logFile = try value()
            case "--max-message-bytes": o.maxMessageBytes = try number(min: 1024, max: 1 << 30)
            case "--request-timeout-ms": o.requestTimeoutMs = try number(min: 1, max: Settings.maxHTTPTimeoutMs)
            case "--connect-timeout-ms": o.connectTimeoutMs = try number(min: 1, max: Settings.maxHTTPTimeoutMs)
            case "--retry-base-delay-ms": o.retryBaseDelayMs = try number(min: 0, max: 60_000)
            case "--trace-file": o.traceFile = try value()
            case "--mcp": o.mcp = true
            case "--image-dir": o.imageDir = try value()
            case "-h", "--help": o.showHelp = true
            case "-V", "--version": o.showVersion = true
            default:
                let hint = arg.hasPrefix("-") ? Suggestion.hint(for: arg, among: Self.optionNames) : ""
                throw fail("unknown option \"\(args[i - 1])\"\(hint.isEmpty ? " (see --help)" : hint)")
            }
            if inline != nil, ["--simulate", "--mcp", "--help", "--version"].contains(arg) {
                throw fail("\(arg) takes no value")
            }
        }
        return o
    }

    /// Resolves the core's settings: command line over environment over defaults.
    public func settings(environment: [String: String]) throws(UsageError) -> Settings {
        var base = (region ?? .global).baseURL
        // An explicit base URL beats a region, from the command line or the environment.
        if let b = baseURL ?? environment["AITOEARN_BASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) { base = b }
        let url: URL
        do { url = try Settings.checkBaseURL(base) } catch { throw UsageError(description: error.description) }
        var key = environment["AITOEARN_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let path = apiKeyFile {
            guard let text = FileBytes.readText(path: path) else {
                throw UsageError(description: "--api-key-file: cannot read \(path)")
            }
            let trimmed = text.trimmingWhitespace()
            guard !trimmed.isEmpty else { throw UsageError(description: "--api-key-file: \(path) is empty") }
            key = trimmed
        }
        if let k = key {
            do { key = try Settings.checkAPIKey(k, from: apiKeyFile == nil ? "AITOEARN_API_KEY" : "--api-key-file") } catch {
                throw UsageError(description: error.description)
            }
        }
        return Settings(baseURL: url, apiKey: key, requestTimeoutMs: requestTimeoutMs,
                        connectTimeoutMs: connectTimeoutMs, retryBaseDelayMs: retryBaseDelayMs,
                        simulate: simulate, simulateDelayMs: simulateDelayMs)
    }
}

extension LaunchOptions {
    /// Where the MCP face saves images that arrive as base64: `--image-dir`, `AITOEARN_IMAGE_DIR`,
    /// else the per-user cache folder.
    func imageDirectory(environment: [String: String]) -> String {
        if let d = imageDir { return d }
        if let d = environment["AITOEARN_IMAGE_DIR"], !d.isEmpty { return d }
        #if os(macOS)
        let cache = (environment["HOME"] ?? FileBytes.temporaryDirectory) + "/Library/Caches"
        #else
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? FileBytes.temporaryDirectory) + "/.cache")
        #endif
        return cache + "/aitoearn-rpc/images"
    }
}
