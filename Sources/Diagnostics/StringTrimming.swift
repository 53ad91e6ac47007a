/// White-space trimming on the standard library's own Unicode tables: Foundation's
/// `trimmingCharacters(in:)` lives in the part of Foundation that brings ICU.
extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks (Foundation's `.whitespacesAndNewlines`:
    /// the separators of Unicode category Z, U+0009 to U+000D, U+0085).
    package func trimmingWhitespace() -> String {
        trimmingScalars { s in
            switch s.value {
            case 0x09...0x0D, 0x20, 0x85: return true
            case ..<0x80: return false
            default:
                switch s.properties.generalCategory {
                case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
                default: return false
                }
            }
        }
    }

    /// Without leading and trailing spaces and tabs, line breaks kept (Foundation's `.whitespaces`:
    /// category Zs and U+0009).
    package func trimmingSpaces() -> String {
        trimmingScalars { $0 == " " || $0 == "\t" || ($0.value >= 0x80 && $0.properties.generalCategory == .spaceSeparator) }
    }

    /// Without leading and trailing scalars for which `drop` holds.
    package func trimmingScalars(where drop: (Unicode.Scalar) -> Bool) -> String {
        // ASCII edges by their bytes, from each end (every HTTP header line: walking unicode
        // scalars there was a third of a status round trip's instructions); a non-ASCII edge by
        // its scalars. A String's own view walks back; converting a String costs nothing.
        let whole = String(self)
        let bytes = whole.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] < 0x80, drop(Unicode.Scalar(bytes[start])) { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] < 0x80, drop(Unicode.Scalar(bytes[last])) else { break }
            end = last
        }
        guard start < end else { return "" }
        if bytes[start] < 0x80 && bytes[bytes.index(before: end)] < 0x80 {
            return start == bytes.startIndex && end == bytes.endIndex ? whole : String(whole[start..<end])
        }
        let scalars = whole[start..<end].unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !drop($0) })!
        return String(whole[first..<scalars.index(after: last)])
    }
}
