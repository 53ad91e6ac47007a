import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything that shapes how the core talks to the service, resolved from its sources.
///
/// Strongest first: `initializationOptions`, command-line options, environment, defaults.
/// An explicit base URL (option or `AITOEARN_BASE_URL`) beats a region.
public struct Settings: Sendable, Equatable {
    public var baseURL: URL
    public var apiKey: String?
    public var pollIntervalMs: Int
    public var timeoutMs: Int
    public var requestTimeoutMs: Int
    public var connectTimeoutMs: Int
    public var retryBaseDelayMs: Int
    public var simulate: Bool
    public var simulateDelayMs: Int

    public static let defaultPollIntervalMs = 1000
    public static let defaultTimeoutMs = 600_000
    public static let defaultRequestTimeoutMs = 30_000
    public static let defaultConnectTimeoutMs = 10_000
    public static let defaultRetryBaseDelayMs = 500
    public static let defaultSimulateDelayMs = 1500
    /// The longest any single HTTP request or connection attempt may be given.
    public static let maxHTTPTimeoutMs = 600_000

    public init(baseURL: URL, apiKey: String? = nil, pollIntervalMs: Int = Settings.defaultPollIntervalMs,
                timeoutMs: Int = Settings.defaultTimeoutMs, requestTimeoutMs: Int = Settings.defaultRequestTimeoutMs,
                connectTimeoutMs: Int = Settings.defaultConnectTimeoutMs,
                retryBaseDelayMs: Int = Settings.defaultRetryBaseDelayMs, simulate: Bool = false,
                simulateDelayMs: Int = Settings.defaultSimulateDelayMs) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.pollIntervalMs = pollIntervalMs
        self.timeoutMs = timeoutMs
        self.requestTimeoutMs = requestTimeoutMs
        self.connectTimeoutMs = connectTimeoutMs
        self.retryBaseDelayMs = retryBaseDelayMs
        self.simulate = simulate
        self.simulateDelayMs = simulateDelayMs
    }

    /// The per-session overrides an `initialize` may carry.
    public struct Overrides: Sendable, Equatable {
        public var apiKey: String?
        public var baseURL: String?
        public var region: Region?
        public var pollIntervalMs: Int?
        public var timeoutMs: Int?
        public init() {}
    }

    /// Applies session overrides; a base URL given here beats a region given here.
    public func applying(_ o: Overrides) throws(SettingsError) -> Settings {
        var s = self
        if let k = o.apiKey, !k.isEmpty { s.apiKey = k }
        if let r = o.region { s.baseURL = URL(string: r.baseURL)! }
        if let b = o.baseURL { s.baseURL = try Settings.checkBaseURL(b) }
        if let p = o.pollIntervalMs { s.pollIntervalMs = p }
        if let t = o.timeoutMs { s.timeoutMs = t }
        return s
    }

    /// A base URL must be https, except on a loopback host (local stand-ins and proxies).
    public static func checkBaseURL(_ text: String) throws(SettingsError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw SettingsError("the base URL \"\(text)\" is not an absolute URL")
        }
        if scheme == "https" { return url }
        if scheme == "http" && isLoopback(host) { return url }
        throw SettingsError("the base URL \"\(text)\" must use https (plain http is allowed only for a loopback host)")
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingScalars { $0 == "[" || $0 == "]" }
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}

/// A configuration that cannot be used, said in one line.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
