#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A `data:` URI read as the service reads it: by the WHATWG `data:` URL rules (the scheme and the
/// `;base64` marker case-insensitive, the marker only counting as the last parameter, the body
/// percent-decoded and then forgiving-base64 decoded). What those rules would not read as the
/// bytes of a PNG, JPEG or WebP image is refused here, before anything is billed; what they do
/// read goes out in one canonical form, `data:image/<type of the bytes>;base64,<base64>`.
enum DataURI {
    /// The canonical form of `text`, or why the service would not see an image in it.
    static func canonical(_ text: String) -> Result<String, ImageInput.Problem> {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 5, String(decoding: utf8[0..<5], as: UTF8.self).lowercased() == "data:" else {
            return .failure(.init("is not a data URI"))
        }
        guard let comma = utf8[5...].firstIndex(of: UInt8(ascii: ",")) else {
            return .failure(.init("is a data URI without a comma before its data"))
        }
        var header = String(decoding: utf8[5..<comma], as: UTF8.self)
        header = trimmingASCIIWhitespace(header)
        guard let rest = base64Marker(header) else {
            let media = header.split(separator: ";", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return .failure(.init("must be a base64 data URI ending its type with \";base64\" (data:\(media.isEmpty ? "image/png" : media);base64,…): "
                + "the service reads anything else as percent-encoded text, not as an image"))
        }
        let media = (rest.split(separator: ";", omittingEmptySubsequences: false).first.map(String.init) ?? "")
        let essence = trimmingASCIIWhitespace(media).lowercased()
        guard essence.hasPrefix("image/") else {
            return .failure(.init("must be a data URI of an image (data:image/png;base64,…), not of \"\(essence.isEmpty ? "text/plain" : essence)\""))
        }
        guard let body = percentDecoded(utf8[(comma + 1)...]), let bytes = forgivingBase64(body) else {
            return .failure(.init("is a data URI whose data is not valid base64"))
        }
        guard let type = ImageType.detect(bytes), ImageInput.acceptedTypes.contains(type) else {
            return .failure(.init("is a data URI whose data is not a PNG, JPEG or WebP image"))
        }
        return .success("data:\(type.mediaType);base64," + bytes.base64EncodedString())
    }

    /// The header before a final `;base64` (any case, spaces allowed before the word), or nil
    /// when the header does not end so.
    static func base64Marker(_ header: String) -> String? {
        var h = Substring(header)
        guard h.count >= 6, h.suffix(6).lowercased() == "base64" else { return nil }
        h.removeLast(6)
        while h.last == " " { h.removeLast() }
        guard h.last == ";" else { return nil }
        h.removeLast()
        return String(h)
    }

    /// WHATWG percent-decoding of bytes: `%XY` with two hex digits becomes that byte; anything else stays.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard bytes.contains(UInt8(ascii: "%")) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// WHATWG forgiving-base64 decode: ASCII whitespace dropped, padding optional, a length that
    /// leaves 1 over 4 or any other character is a failure.
    static func forgivingBase64(_ input: [UInt8]) -> Data? {
        var data = input.filter { !isASCIIWhitespace($0) }
        if data.count % 4 == 0 {
            if data.last == UInt8(ascii: "=") { data.removeLast() }
            if data.last == UInt8(ascii: "=") { data.removeLast() }
        }
        if data.count % 4 == 1 { return nil }
        guard data.allSatisfy(isBase64Alphabet) else { return nil }
        while data.count % 4 != 0 { data.append(UInt8(ascii: "=")) }
        // Trailing bits that are not zero are dropped by the rules; Foundation's decoder agrees.
        return Data(base64Encoded: Data(data), options: [])
    }

    private static func isBase64Alphabet(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2B || b == 0x2F
    }

    private static func isASCIIWhitespace(_ b: UInt8) -> Bool {
        b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D || b == 0x20
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    private static func trimmingASCIIWhitespace(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.utf8.first, isASCIIWhitespace(f) { sub = sub.dropFirst() }
        while let l = sub.utf8.last, isASCIIWhitespace(l) { sub = sub.dropLast() }
        return String(sub)
    }
}
