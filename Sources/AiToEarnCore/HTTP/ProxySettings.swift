import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The proxy the environment asks for (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, either case).
public struct ProxySettings: Sendable, Equatable {
    public var host: String
    public var port: Int

    /// The proxy to use for `url`, or nil for a direct connection.
    public static func forURL(_ url: URL, environment: [String: String]) -> ProxySettings? {
        func env(_ name: String) -> String? {
            let v = environment[name.lowercased()] ?? environment[name.uppercased()]
            return v?.isEmpty == false ? v : nil
        }
        guard let host = url.host?.lowercased() else { return nil }
        if let noProxy = env("no_proxy"), bypasses(host: host, noProxy: noProxy) { return nil }
        let scheme = url.scheme?.lowercased() ?? "https"
        guard let raw = scheme == "https" ? (env("https_proxy") ?? env("http_proxy")) : env("http_proxy") else { return nil }
        let text = raw.contains("://") ? raw : "http://" + raw
        guard let p = URL(string: text), let h = p.host else { return nil }
        return ProxySettings(host: h, port: p.port ?? (p.scheme == "https" ? 443 : 80))
    }

    static func bypasses(host: String, noProxy: String) -> Bool {
        for entry in noProxy.split(separator: ",") {
            var e = entry.trimmingSpaces().lowercased()
            if e == "*" { return true }
            if let colon = e.lastIndex(of: ":"), !e.contains("]") || e.hasSuffix("]") == false { e = String(e[..<colon]) }
            if e.hasPrefix(".") { e.removeFirst() }
            if e.isEmpty { continue }
            if host == e || host.hasSuffix("." + e) { return true }
        }
        return false
    }
}
