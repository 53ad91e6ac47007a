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

/// The proxy the environment asks for (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, either case).
///
/// The adapter decides, and tells libcurl (which then reads no variable itself), so that the
/// address policy knows whether a request goes through a proxy. `NO_PROXY` is read as libcurl
/// reads it: `*`, names matching themselves and their subdomains (a leading dot is optional),
/// IP addresses and CIDR ranges for literal hosts, ports ignored.
package struct ProxySettings: Sendable, Equatable {
    /// The proxy as libcurl takes it: `scheme://[user:password@]host:port` (`http` or `https`;
    /// an IPv6 host in brackets).
    package var url: String

    package init(url: String) { self.url = url }

    /// The proxy to use for `url`, or nil for a direct connection.
    package static func forURL(_ url: URL, environment: [String: String]) -> ProxySettings? {
        func env(_ name: String) -> String? {
            let v = environment[name.lowercased()] ?? environment[name.uppercased()]
            return v?.isEmpty == false ? v : nil
        }
        guard let host = url.host?.lowercased() else { return nil }
        if let noProxy = env("no_proxy"), bypasses(host: host, noProxy: noProxy) { return nil }
        let scheme = url.scheme?.lowercased() ?? "https"
        guard let raw = scheme == "https" ? (env("https_proxy") ?? env("http_proxy")) : env("http_proxy") else { return nil }
        return parse(raw)
    }

    /// A proxy variable's value as a URL libcurl reads the same way: a bare `host:port` is an
    /// http proxy; credentials, an https scheme and bracketed IPv6 hosts are kept as written.
    static func parse(_ raw: String) -> ProxySettings? {
        let text = raw.trimmingSpaces()
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let u = URL(string: withScheme), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let h = u.host, !h.isEmpty else { return nil }
        return ProxySettings(url: withScheme)
    }

    static func bypasses(host: String, noProxy: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        for entry in noProxy.split(separator: ",") {
            var e = entry.trimmingSpaces().lowercased()
            if e == "*" { return true }
            if e.isEmpty { continue }
            if e.hasPrefix("[") , let close = e.firstIndex(of: "]") {
                // "[::1]:8080" or "[::1]"
                e = String(e[e.index(after: e.startIndex)..<close])
            } else if e.filter({ $0 == ":" }).count == 1, let colon = e.firstIndex(of: ":") {
                e = String(e[..<colon])  // "host:port": the port is not compared
            }
            if let slash = e.firstIndex(of: "/") {
                if let bits = Int(e[e.index(after: slash)...]), inRange(bare, network: String(e[..<slash]), bits: bits) { return true }
                continue
            }
            if let a = IPAddress(bare), let b = IPAddress(e) {
                if a == b { return true }
                continue
            }
            if e.hasPrefix(".") { e.removeFirst() }
            if e.isEmpty { continue }
            if bare == e || bare.hasSuffix("." + e) { return true }
        }
        return false
    }

    /// Whether literal `host` lies in `network`/`bits` (both IPv4 or both IPv6).
    private static func inRange(_ host: String, network: String, bits: Int) -> Bool {
        guard let a = IPAddress(host), let n = IPAddress(network), a.bytes.count == n.bytes.count,
              bits >= 0, bits <= a.bytes.count * 8 else { return false }
        var left = bits
        for (x, y) in zip(a.bytes, n.bytes) {
            if left <= 0 { break }
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if x & mask != y & mask { return false }
            left -= 8
        }
        return true
    }
}

/// A literal IPv4 (dotted quad) or IPv6 address, as bytes.
struct IPAddress: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }
}
