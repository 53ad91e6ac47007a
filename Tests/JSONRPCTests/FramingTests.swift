import Testing
@testable import JSONRPC
import JSONRPCTestSupport

/// Feeds `input` split at `cut` (and byte by byte) and returns the events.
private func events<F: Framer>(_ make: () -> F, _ input: [UInt8], splitAt cut: Int? = nil) -> [FrameEvent] {
    var f = make()
    var out: [FrameEvent] = []
    if let cut {
        out += f.consume(Array(input[..<cut]))
        out += f.consume(Array(input[cut...]))
    } else {
        for b in input { out += f.consume([b]) }
    }
    return out
}

/// Expects `input` to give `expected` split at every point, and fed byte by byte.
private func expectAtEverySplit<F: Framer>(_ make: () -> F, _ input: [UInt8], _ expected: [FrameEvent],
                                           sourceLocation: SourceLocation = #_sourceLocation) {
    for cut in 0...input.count {
        #expect(events(make, input, splitAt: cut) == expected, "split at \(cut)", sourceLocation: sourceLocation)
    }
    #expect(events(make, input) == expected, sourceLocation: sourceLocation)
}

private func lsp(_ body: String) -> String { "Content-Length: \(body.utf8.count)\r\n\r\n\(body)" }

@Suite("Content-Length framing")
struct ContentLengthFramingTests {
    let make = { ContentLengthFramer(maxMessageBytes: 1024) }

    @Test("two frames come out whole at every split point and byte by byte")
    func everySplit() {
        let input = Array((lsp("{\"a\":1}") + "content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]").utf8)
        expectAtEverySplit(make, input, [.message(Array("{\"a\":1}".utf8)), .message(Array("[]".utf8))])
    }

    @Test("an oversized message is reported once and its body skipped")
    func oversized() {
        let big = String(repeating: "x", count: 2000)
        let input = Array((lsp(big) + lsp("{}")).utf8)
        for cut in [0, 10, 30, 1000, input.count - 3, input.count] {
            #expect(events(make, input, splitAt: cut) == [.oversized(length: 2000), .message(Array("{}".utf8))])
        }
    }

    @Test("a broken header resynchronises on the next Content-Length, even mid-line")
    func resync() {
        let input = Array(("Content-Length: abc\r\n\r\ngarbage Content-Length: 2\r\n\r\n{}" ).utf8)
        for cut in 0...input.count {
            let e = events(make, input, splitAt: cut)
            #expect(e.count == 2, "split at \(cut): \(e)")
            #expect(e.last == .message(Array("{}".utf8)))
            if case .malformedHeader = e.first {} else { Issue.record("expected a malformed header first, got \(e)") }
        }
    }

    @Test("garbage without a colon is rejected at its line end, then the next frame is read")
    func garbageLine() {
        let input = Array(("hello world\n" + lsp("[1]")).utf8)
        let e = events(make, input)
        #expect(e.count == 2)
        #expect(e.last == .message(Array("[1]".utf8)))
    }

    @Test("a Content-Length that overflows 64 bits is a broken header, not a huge read")
    func overflow() {
        let input = Array(("Content-Length: 99999999999999999999999\r\n\r\n" + lsp("{}")).utf8)
        let e = events(make, input, splitAt: 5)
        #expect(e.count == 2)
        #expect(e.last == .message(Array("{}".utf8)))
    }

    @Test("a missing Content-Length is a broken header")
    func missingLength() {
        let e = events(make, Array(("Content-Type: x\r\n\r\n" + lsp("{}")).utf8))
        #expect(e.count == 2)
        #expect(e.last == .message(Array("{}".utf8)))
    }

    @Test("encode writes the header then the body")
    func encode() {
        #expect(ContentLengthFramer.encode(Array("{}".utf8)) == Array("Content-Length: 2\r\n\r\n{}".utf8))
    }
}

@Suite("NDJSON framing")
struct NDJSONFramingTests {
    let make = { NDJSONFramer(maxMessageBytes: 64) }

    @Test("lines come out whole at every split point, blank lines and CRs dropped")
    func everySplit() {
        let input = Array("{\"a\":1}\r\n\n  \n[2]\n".utf8)
        expectAtEverySplit(make, input, [.message(Array("{\"a\":1}".utf8)), .message(Array("[2]".utf8))])
    }

    @Test("an over-long line is reported once and skipped to its end")
    func oversized() {
        let input = Array((String(repeating: "y", count: 200) + "\n{}\n").utf8)
        for cut in [1, 64, 65, 199, 201, input.count] {
            let e = events(make, input, splitAt: cut)
            #expect(e.count == 2)
            if case .oversized = e.first {} else { Issue.record("expected oversized first, got \(e)") }
            #expect(e.last == .message(Array("{}".utf8)))
        }
    }
}

@Suite("Framing detection")
struct DetectionTests {
    @Test("the first non-whitespace byte picks the framing")
    func detect() {
        var a = AutoFramer(forced: nil, maxMessageBytes: 100)
        #expect(a.consume(Array("  \n".utf8)).isEmpty)
        #expect(a.kind == nil)
        #expect(a.consume(Array("{}\n".utf8)) == [.message(Array("{}".utf8))])
        #expect(a.kind == .ndjson)
        var b = AutoFramer(forced: nil, maxMessageBytes: 100)
        #expect(b.consume(Array(lsp("[]").utf8)) == [.message(Array("[]".utf8))])
        #expect(b.kind == .lsp)
        var c = AutoFramer(forced: .lsp, maxMessageBytes: 100)
        _ = c.consume(Array("{}\n".utf8))
        #expect(c.kind == .lsp)
    }
}
