import Diagnostics

/// Host names and literal addresses that point into the user's own machine or network.
/// (The socket-level check in CurlShim covers names that resolve there.)
package enum NetworkRanges {
    /// True for `localhost`, and for literal loopback, private, carrier-grade NAT, unspecified and
    /// link-local addresses.
    package static func isLocal(host: String) -> Bool {
        let h = unmapped(host.lowercased().trimmingScalars { $0 == "[" || $0 == "]" })
        if h == "localhost" || h.hasSuffix(".localhost") { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if octets.count == 4 && h.split(separator: ".", omittingEmptySubsequences: false).count == 4 {
            let (a, b) = (octets[0], octets[1])
            return a == 127 || a == 10 || a == 0 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
                || (a == 169 && b == 254) || (a == 100 && (64...127).contains(b))
        }
        guard h.contains(":") else { return false }
        return h == "::1" || h == "::" || h.hasPrefix("fc") || h.hasPrefix("fd") || isLinkLocal(host: h)
            || h.hasPrefix("::ffff:")
    }

    /// True for literal link-local addresses (169.254.0.0/16, fe80::/10), IPv4-mapped ones too.
    package static func isLinkLocal(host: String) -> Bool {
        let h = unmapped(host.lowercased().trimmingScalars { $0 == "[" || $0 == "]" })
        if h.hasPrefix("169.254.") { return true }
        return h.hasPrefix("fe8") || h.hasPrefix("fe9") || h.hasPrefix("fea") || h.hasPrefix("feb")
    }

    /// `::ffff:a.b.c.d` is the IPv4 host a.b.c.d.
    private static func unmapped(_ h: String) -> String {
        h.hasPrefix("::ffff:") && h.contains(".") ? String(h.dropFirst(7)) : h
    }
}
