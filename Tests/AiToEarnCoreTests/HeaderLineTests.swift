import Testing
@testable import AiToEarnCore

@Suite("HTTP header lines")
struct HeaderLineTests {
    static func field(_ line: String) -> (name: String, value: String)? {
        Array(line.utf8).withUnsafeBytes { CurlTransfer.headerField($0) }
    }

    @Test("name lower-cased, both sides trimmed, the value's own colons and case kept")
    func fields() {
        #expect(Self.field("Content-Length: 756\r\n")! == ("content-length", "756"))
        #expect(Self.field("Retry-After:\t Sun, 06 Nov 1994 08:49:37 GMT \r\n")! == ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(Self.field("X-Empty:\r\n")! == ("x-empty", ""))
        #expect(Self.field("  Location : http://h/a:b?C=D\r\n")! == ("location", "http://h/a:b?C=D"))
        #expect(Self.field("X-Name: grüße ✓\r\n")! == ("x-name", "grüße ✓"))
        #expect(Self.field("X-Wide:\u{3000}value\u{3000}\r\n")! == ("x-wide", "value"))
    }

    @Test("status lines, the blank line and lines without a colon are no fields")
    func nonFields() {
        for line in ["HTTP/1.1 200 OK\r\n", "HTTP/2 429\r\n", "\r\n", "", "garbage\r\n", " HTTP/1.1 301 Moved\r\n"] {
            #expect(Self.field(line) == nil, "\(line.debugDescription)")
        }
    }

    @Test("only lines that may be a kept header are read further; the rest are passed over by their bytes")
    func prefilter() {
        func may(_ line: String) -> Bool { Array(line.utf8).withUnsafeBytes { CurlTransfer.mayBeKept($0) } }
        for line in ["Content-Length: 5\r\n", "content-type: a/b\r\n", "LOCATION: /x\r\n", "Retry-After: 3\r\n", "Content-Type : a\r\n"] {
            #expect(may(line), "\(line.debugDescription)")
        }
        for line in ["X-Flood: aaaa\r\n", "Connection: keep-alive\r\n", "Content-Encoding: gzip\r\n", "HTTP/1.1 200 OK\r\n", "\r\n",
                     "Date: x\r\n", "retry\r\n"] {
            #expect(!may(line), "\(line.debugDescription)")
        }
    }
}
