import Diagnostics
import Testing

@Suite("Trimming white space")
struct StringTrimmingTests {
    @Test("spaces and tabs go from both ends; line breaks stay for trimmingSpaces only")
    func ascii() {
        #expect("  a b \t".trimmingSpaces() == "a b")
        #expect(" \r\nvalue\r\n ".trimmingSpaces() == "\r\nvalue\r\n")
        #expect(" \r\nvalue\r\n ".trimmingWhitespace() == "value")
        #expect("HTTP/1.1 200 OK\r\n".trimmingWhitespace() == "HTTP/1.1 200 OK")
        #expect("".trimmingWhitespace() == "" && " \t\r\n ".trimmingWhitespace() == "" && "x".trimmingSpaces() == "x")
        #expect("[::1]".trimmingScalars { $0 == "[" || $0 == "]" } == "::1")
    }

    @Test("Unicode separators at the edges go too, as Foundation's sets say; inner ones stay")
    func unicode() {
        #expect("\u{00A0}\u{3000}key\u{2003}".trimmingSpaces() == "key")
        #expect("\u{2028}line\u{2029}\u{85}".trimmingWhitespace() == "line")
        #expect("\u{2028}line\u{2029}".trimmingSpaces() == "\u{2028}line\u{2029}")
        #expect(" grüße ✓ ".trimmingWhitespace() == "grüße ✓")
        #expect("é\u{00A0}x\u{00A0}".trimmingSpaces() == "é\u{00A0}x")
        // A combining mark on a space makes one character, but the scalars are what is trimmed.
        #expect(" \u{301}a".trimmingSpaces() == "\u{301}a")
        #expect("\u{3000}".trimmingWhitespace() == "")
    }

    @Test("substrings trim the same")
    func substrings() {
        let line = "name:  value \r\n"
        let colon = line.firstIndex(of: ":")!
        #expect(line[..<colon].trimmingSpaces() == "name")
        #expect(line[line.index(after: colon)...].trimmingWhitespace() == "value")
    }
}
