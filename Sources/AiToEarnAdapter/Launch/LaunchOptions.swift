import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONRPC

/// The command line, parsed and checked; a bad option is one line on stderr and exit status 2.
struct LaunchOptions: Sendable {
    var simulate = false
    var simulateDelayMs = Settings.defaultSimulateDelayMs
    var region: Region?
    var baseURL: String?
    var apiKeyFile: String?
    var framing: FramingKind?
    var logLevel = LogLevel.warn
    var logFile: String?
    /// The engine's own default, said once there.
    var maxMessageBytes = RPCServer.Options().maxMessageBytes
    var requestTimeoutMs = Settings.defaultRequestTimeoutMs
    var connectTimeoutMs = Settings.defaultConnectTimeoutMs
    var retryBaseDelayMs = Settings.defaultRetryBaseDelayMs
    var traceFile: String?
    var mcp = false
    var imageDir: String?
    var maxCredits: Double?
    /// MCP job tools priced above this ask before submitting.
    var confirmCreditsAbove: Double?
    var showHelp = false
    var showVersion = false

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses the command line by the table of `LaunchOption.all`.
    static func parse(_ args: [String]) throws(UsageError) -> LaunchOptions {
        var o = LaunchOptions()
        var i = 0
        while i < args.count {
            var arg = args[i]
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                inline = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            i += 1
            guard let option = LaunchOption.named(arg) else {
                let hint = arg.hasPrefix("-") ? Suggestion.hint(for: arg, among: LaunchOption.longNames) : ""
                throw UsageError(description: "unknown option \"\(args[i - 1])\"\(hint.isEmpty ? " (see --help)" : hint)")
            }
            guard option.placeholder != nil else {
                if inline != nil { throw UsageError(description: "\(arg) takes no value") }
                try option.apply(&o, .init(option: arg, text: ""))
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else {
                guard i < args.count else { throw UsageError(description: "\(arg) needs a value (see --help)") }
                text = args[i]
                i += 1
            }
            try option.apply(&o, .init(option: arg, text: text))
        }
        return o
    }

    /// Resolves the core's settings: command line over environment over defaults.
    func settings(environment: [String: String]) throws(UsageError) -> Settings {
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
        var limit = maxCredits
        if limit == nil, let text = environment["AITOEARN_MAX_CREDITS"], !text.isEmpty {
            guard let l = Settings.creditLimit(text) else {
                throw UsageError(description: "AITOEARN_MAX_CREDITS needs a number of credits, 0 or more, not \"\(text)\"")
            }
            limit = l
        }
        var s = Settings(baseURL: url, apiKey: key, requestTimeoutMs: requestTimeoutMs,
                         connectTimeoutMs: connectTimeoutMs, retryBaseDelayMs: retryBaseDelayMs,
                         simulate: simulate, simulateDelayMs: simulateDelayMs)
        s.maxCredits = limit
        return s
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
