/// White-space trimming on the standard library's own Unicode tables: Foundation's
/// `trimmingCharacters(in:)` lives in the part of Foundation that brings ICU.
extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks (Foundation's `.whitespacesAndNewlines`:
    /// the separators of Unicode category Z, U+0009 to U+000D, U+0085).
    public func trimmingWhitespace() -> String {
        trimmingScalars { s in
            switch s.value {
            case 0x09...0x0D, 0x85: return true
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
    public func trimmingSpaces() -> String {
        trimmingScalars { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Without leading and trailing scalars for which `drop` holds.
    public func trimmingScalars(where drop: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !drop($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
