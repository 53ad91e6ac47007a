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
import JSONValue

/// Removes secrets from everything that leaves the process: protocol output, logs, traces.
///
/// A secret is known in every form it can take on the way out: as it is, escaped inside a JSON
/// string, and in base64 (at each of the three byte alignments inside a longer payload).
package final class Redactor: Sendable {
    package static let mask = "***"
    private let forms: Locked<[[UInt8]]> = Locked([])

    package init() {}

    /// Registers a secret; short strings are ignored so ordinary words are never blanked.
    package func add(_ secret: String) {
        guard secret.utf8.count >= 4 else { return }
        let new = Self.forms(of: secret)
        forms.withLock { known in
            for f in new where !known.contains(f) { known.append(f) }
            // Longest first, so a form is never half-replaced by a shorter one inside it.
            known.sort { $0.count > $1.count }
        }
    }

    static func forms(of secret: String) -> [[UInt8]] {
        let plain = Array(secret.utf8)
        var out: [[UInt8]] = [plain]
        let escaped = Array(JSONValue.string(secret).serialized().dropFirst().dropLast())
        out.append(escaped)
        // A JSON text that held the key, sent on as a string (an echoed body), escapes it twice.
        let twice = Array(JSONValue.string(String(decoding: escaped, as: UTF8.self)).serialized().dropFirst().dropLast())
        out.append(twice)
        let slashEscaped = escaped.flatMap { $0 == UInt8(ascii: "/") ? [UInt8(ascii: "\\"), $0] : [$0] }
        out.append(slashEscaped)
        for offset in 0..<3 {
            let encoded = Array((Data(repeating: 0, count: offset) + Data(plain)).base64EncodedString().utf8)
            // Drop the characters that mix in neighbouring bytes: the first group when shifted,
            // the last one unless it ends on a byte boundary.
            let head = offset == 0 ? 0 : 4
            let tail = (offset + plain.count) % 3 == 0 ? 0 : 4
            guard encoded.count - head - tail >= 8 else { continue }
            out.append(Array(encoded.dropFirst(head).dropLast(tail)))
        }
        var unique: [[UInt8]] = []
        for f in out where !f.isEmpty && !unique.contains(f) { unique.append(f) }
        return unique
    }

    /// `bytes` with every known form of every secret replaced by `***`.
    package func redact(_ bytes: [UInt8]) -> [UInt8] {
        let patterns = forms.current
        guard !patterns.isEmpty else { return bytes }
        var out = bytes
        // Until nothing matches: a mask next to what was around a key can spell the key again
        // (the key `*ab1` in `*ab1ab1` leaves `***ab1`). Each replacement shortens the text (a
        // key has at least 4 bytes, the mask 3), so this ends, and it rescans only after a hit.
        var replaced = true
        while replaced {
            replaced = false
            for p in patterns {
                let next = Self.replace(p, in: out)
                if next.count != out.count { replaced = true }
                out = next
            }
        }
        return out
    }

    /// `text` with every secret replaced, and any user:password in a URL masked.
    package func redact(_ text: String) -> String {
        let masked = Self.maskUserInfo(text)
        guard !forms.current.isEmpty else { return masked }
        return String(decoding: redact(Array(masked.utf8)), as: UTF8.self)
    }

    private static func replace(_ pattern: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        let n = pattern.count
        guard bytes.count >= n, let first = pattern.first else { return bytes }
        var out: [UInt8]?
        var copied = 0
        var i = 0
        bytes.withUnsafeBufferPointer { b in
            pattern.withUnsafeBufferPointer { p in
                // memchr finds the candidates: every outgoing message is scanned once per form.
                while i <= b.count - n, let hit = memchr(b.baseAddress! + i, Int32(first), b.count - n + 1 - i) {
                    i = b.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(b.baseAddress! + i, p.baseAddress!, n) == 0 {
                        if out == nil { out = []; out!.reserveCapacity(b.count) }
                        out!.append(contentsOf: b[copied..<i])
                        out!.append(contentsOf: Redactor.mask.utf8)
                        i += n
                        copied = i
                    } else {
                        i += 1
                    }
                }
            }
        }
        guard var result = out else { return bytes }
        result.append(contentsOf: bytes[copied...])
        return result
    }

    /// `scheme://user:password@host` → `scheme://***@host`.
    ///
    /// Read as UTF-8 bytes, not Characters: a character that joins the one after it (a prepended
    /// mark such as U+0603 at the end of a password) would make `@` part of another Character,
    /// and the userinfo would go out unmasked. Every delimiter here is ASCII, so the cuts fall
    /// between whole characters.
    static func maskUserInfo(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "@")) else { return text }
        func endsAuthority(_ b: UInt8) -> Bool {
            b == UInt8(ascii: "/") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "?")
                || b == UInt8(ascii: "#") || b == UInt8(ascii: "\n")
        }
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        var masked = false
        while i + 2 < bytes.count {
            guard bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") else { i += 1; continue }
            let start = i + 3
            var end = start
            while end < bytes.count, !endsAuthority(bytes[end]) { end += 1 }
            if let at = bytes[start..<end].lastIndex(of: UInt8(ascii: "@")) {
                out += bytes[copied..<start]
                out += Redactor.mask.utf8
                copied = at
                masked = true
                i = at
            } else {
                i = start
            }
        }
        guard masked else { return text }
        out += bytes[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Masks the values of members whose names say they hold a secret, in text that may not be
    /// valid JSON (input that failed to parse): `"apiKey": "…"` → `"apiKey": "***"`.
    package static func maskSecretMembers(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let quote = rest.firstIndex(of: "\"") {
            out += rest[...quote]
            rest = rest[rest.index(after: quote)...]
            guard let close = rest.firstIndex(of: "\"") else { break }
            let name = rest[..<close]
            out += rest[...close]
            rest = rest[rest.index(after: close)...]
            guard isSecretName(String(name)) else { continue }
            let afterColon = rest.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            guard afterColon.first == ":" else { continue }
            let value = afterColon.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            guard value.first == "\"" else { continue }
            // The value ends at a quote that a member separator follows: a key pasted in raw may
            // hold quotes of its own, and nothing of it may show.
            var i = value.index(after: value.startIndex)
            var escaped = false
            while i < value.endIndex {
                let c = value[i]
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    let after = value[value.index(after: i)...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
                    if after.isEmpty || after.first == "," || after.first == "}" || after.first == "]" { break }
                }
                i = value.index(after: i)
            }
            out += rest[..<value.startIndex] + "\"" + Redactor.mask + "\""
            rest = i < value.endIndex ? value[value.index(after: i)...] : value[value.endIndex...]
        }
        return out + rest
    }

    /// Member names that hold secrets (`apiKey`, `api_key`, `X-Api-Key`, `password`, …).
    package static func isSecretName(_ name: String) -> Bool {
        let n = name.lowercased().filter { $0.isLetter }
        return n.hasSuffix("apikey") || n.contains("secret") || n.contains("password") || n == "authorization"
    }
}
