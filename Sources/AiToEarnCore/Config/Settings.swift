import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that shapes how the core talks to the service, resolved from its sources.
///
/// Strongest first: `initializationOptions`, command-line options, environment, defaults.
/// An explicit base URL (option or `AITOEARN_BASE_URL`) beats a region.
package struct Settings: Sendable, Equatable {
    package var baseURL: URL
    package var apiKey: String?
    package var pollIntervalMs: Int
    package var timeoutMs: Int
    package var requestTimeoutMs: Int
    package var connectTimeoutMs: Int
    package var retryBaseDelayMs: Int
    package var simulate: Bool
    package var simulateDelayMs: Int
    /// The language the service's own messages come back in (`Accept-Language`): `initialize`'s
    /// `locale`, else `en-US`.
    package var locale = Settings.defaultLocale
    /// The most credits the process may commit (`--max-credits`, `AITOEARN_MAX_CREDITS`,
    /// `initializationOptions.maxCredits`); nil for no limit.
    package var maxCredits: Double?

    package static let defaultPollIntervalMs = 1000
    package static let defaultTimeoutMs = 600_000
    package static let defaultRequestTimeoutMs = 30_000
    package static let defaultConnectTimeoutMs = 10_000
    package static let defaultRetryBaseDelayMs = 500
    package static let defaultSimulateDelayMs = 1500
    package static let defaultLocale = "en-US"
    /// The longest any single HTTP request or connection attempt may be given.
    package static let maxHTTPTimeoutMs = 600_000

    package init(baseURL: URL, apiKey: String? = nil, pollIntervalMs: Int = Settings.defaultPollIntervalMs,
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
    package struct Overrides: Sendable, Equatable {
        package var apiKey: String?
        package var baseURL: String?
        package var region: Region?
        package var pollIntervalMs: Int?
        package var timeoutMs: Int?
        package var locale: String?
        package var maxCredits: Double?
        package init() {}
    }

    /// Applies session overrides; a base URL given here beats a region given here.
    package func applying(_ o: Overrides) throws(SettingsError) -> Settings {
        var s = self
        if let k = o.apiKey, !k.isEmpty { s.apiKey = try Settings.checkAPIKey(k, from: "initializationOptions.apiKey") }
        if let r = o.region { s.baseURL = URL(string: r.baseURL)! }
        if let b = o.baseURL { s.baseURL = try Settings.checkBaseURL(b) }
        if let p = o.pollIntervalMs { s.pollIntervalMs = p }
        if let t = o.timeoutMs { s.timeoutMs = t }
        if let l = o.locale.flatMap(Settings.languageTag) { s.locale = l }
        if let m = o.maxCredits { s.maxCredits = m }
        return s
    }

    /// A spending limit: a finite number of credits, 0 or more, from its text.
    package static func creditLimit(_ text: String) -> Double? {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// A base URL must be https, except on a loopback host (local stand-ins and proxies).
    package static func checkBaseURL(_ text: String) throws(SettingsError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw SettingsError("the base URL \"\(text)\" is not an absolute URL")
        }
        if scheme == "https" { return url }
        if scheme == "http" && isLoopback(host) { return url }
        throw SettingsError("the base URL \"\(text)\" must use https (plain http is allowed only for a loopback host)")
    }

    /// `localhost`, or a literal loopback address: an IPv4 number in 127.0.0.0/8 in any form
    /// the resolver reads as a number (`127.0.0.1`, `127.1`, `0x7f.1`), `::1`, or
    /// `::ffff:127.x.y.z`. A name that merely starts like one (`127.0.0.1.evil.example`) is a
    /// name, resolved by DNS to anywhere.
    package static func isLoopback(_ host: String) -> Bool {
        var h = host.lowercased()
        if h == "localhost" { return true }
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h.contains(":") {
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, h, &v6) == 1 else { return false }
            let b = withUnsafeBytes(of: &v6) { Array($0) }
            let mapped = b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF
            return (b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1) || (mapped && b[12] == 127)
        }
        var v4 = in_addr()
        guard inet_aton(h, &v4) != 0 else { return false }
        return withUnsafeBytes(of: &v4) { $0[0] } == 127
    }

    /// A locale as a language tag for a header (`zh_CN` → `zh-CN`), or nil when it is not one
    /// (only letters, digits and hyphens, at most 35 characters, may reach a header).
    package static func languageTag(_ locale: String) -> String? {
        let tag = String(locale.map { $0 == "_" ? "-" : $0 })
        guard !tag.isEmpty, tag.count <= 35, tag.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
        else { return nil }
        return tag
    }

    /// An API key goes into a header: anything but visible ASCII could end the header early and
    /// smuggle another request (CR, LF) or be mangled on the way, so it is refused at once.
    package static func checkAPIKey(_ key: String, from source: String) throws(SettingsError) -> String {
        guard key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw SettingsError("the API key from \(source) contains a space, a control character (such as a line break) "
                + "or a non-ASCII character; an AiToEarn key is visible ASCII only: check how it was copied", field: "apiKey")
        }
        return key
    }
}

/// A configuration that cannot be used, said in one line.
package struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String
    /// The `initializationOptions` field at fault.
    package var field: String
    package init(_ d: String, field: String = "baseUrl") {
        description = d
        self.field = field
    }
}
