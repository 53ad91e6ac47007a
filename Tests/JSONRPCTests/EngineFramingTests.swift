import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue
import Testing
@testable import JSONRPC
import JSONRPCTestSupport

@Suite("Engine framing in memory")
struct EngineFramingTests {
    private static let echo1 = rpc(1, "echo")
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// A started engine that detects the framing from its input, fed `input` when given.
    private static func detecting(_ input: [UInt8]? = nil) -> Engine {
        let e = Engine(framing: nil).running()
        if let input { e.input.feed(input) }
        return e
    }

    /// Feeds `whole` cut at `cuts`, each part a read of its own (the reader has taken it before
    /// the next is fed), then the rest.
    private static func feed(_ e: Engine, _ whole: [UInt8], cutAt cuts: [Int],
                             sourceLocation: SourceLocation = #_sourceLocation) async {
        var from = 0
        for (n, cut) in cuts.enumerated() {
            e.input.feed(Array(whole[from..<cut]))
            from = cut
            #expect(await e.probeSource.waitForReads(n + 1), sourceLocation: sourceLocation)
        }
        e.input.feed(Array(whole[from...]))
    }

    @Test("a UTF-8 BOM, NULs or whitespace before the first { select NDJSON", arguments: [
        [0xEF, 0xBB, 0xBF], [0x00, 0x00, 0x00], [0x00, 0xEF, 0xBB, 0xBF, 0x20, 0x0D, 0x0A, 0x09], [0x0A, 0x0A],
    ] as [[UInt8]])
    func prefixSelectsNDJSON(prefix: [UInt8]) async {
        let e = Self.detecting(prefix + Array((Self.echo1 + "\n" + rpc(2, "echo") + "\n").utf8))
        let m = await e.waitForResponses([1, 2])
        #expect(m.response(to: 1)?.result == "absent")
        #expect(m.count == 2)
        #expect(e.text.hasPrefix("{"))
        await e.finish()
    }

    @Test("a BOM before a batch selects NDJSON")
    func bomBeforeBatch() async {
        let e = Self.detecting(Self.bom + Array("[\(Self.echo1)]\n".utf8))
        let m = await e.waitFor("the batch reply") { m in m.first?.arrayValue != nil }
        #expect(m.first?.arrayValue?.response(to: 1)?.result == "absent")
        await e.finish()
    }

    @Test("a BOM alone in the first read still leaves the choice to the next byte")
    func bomAloneFirst() async {
        let e = Self.detecting(Self.bom)
        #expect(await e.probeSource.waitForReads(1))
        e.input.feed(lspFrame(Self.echo1))
        let m = await e.waitForResponses([1])
        #expect(m.response(to: 1)?.result == "absent")
        #expect(e.text.hasPrefix("Content-Length: "))
        await e.finish()
    }

    @Test("a BOM or NULs before Content-Length select LSP framing")
    func prefixBeforeLSP() async {
        let e = Self.detecting(Self.bom + [0x00] + Array((lspFrame(Self.echo1) + lspFrame(rpc(2, "echo"))).utf8))
        let m = await e.waitForResponses([1, 2])
        #expect(m.count == 2)
        #expect(e.text.hasPrefix("Content-Length: "))
        await e.finish()
    }

    @Test("an LSP frame split across reads, header included, comes out whole")
    func lspSplitAcrossReads() async {
        let e = Self.detecting()
        let body = rpc("split", "echo", ["text": "héllo 🦊"])
        let whole = Array((lspFrame(body) + "content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[]").utf8)
        let firstLength = lspFrame(body).utf8.count
        // Cut inside "Content-Length", inside the CRLF CRLF, inside the body and inside its emoji
        // (the body ends with 🦊"}}), in the second header and in the second body.
        let cuts = [5, 18, 19, 21, 40, firstLength - 5, firstLength + 10, whole.count - 1]
        await Self.feed(e, whole, cutAt: cuts)
        let m = await e.waitFor("the reply and the empty batch's error") { m in m.count == 2 }
        #expect(e.probeSource.readCount == cuts.count + 1)
        #expect(m.response(to: "split")?.result == ["text": "héllo 🦊"])
        #expect(m.response(to: .null)?.errorCode == -32600)
        #expect(e.text.hasPrefix("Content-Length: "))
        await e.finish()
    }

    @Test("an NDJSON message split across reads comes out whole")
    func ndjsonSplitAcrossReads() async {
        let e = Self.detecting()
        let whole = Array((rpc("split", "echo", ["text": "héllo 🦊"]) + "\r\n").utf8)
        await Self.feed(e, whole, cutAt: [1, 10, whole.count - 4, whole.count - 1])
        let m = await e.waitForResponses(["split"])
        #expect(m.response(to: "split")?.result == ["text": "héllo 🦊"])
        await e.finish()
    }

    @Test("a forced framing is kept whatever the input looks like")
    func forcedFraming() async {
        let e = Engine(framing: .lsp).running()
        // In LSP framing this line is garbage: one broken-header error, then the real frame.
        e.input.feed(Self.echo1 + "\n" + lspFrame(rpc(2, "echo")))
        let m = await e.waitForResponses([.null, 2])
        #expect(m.response(to: .null)?.errorCode == -32700)
        #expect(m.response(to: 1) == nil)
        #expect(m.response(to: 2)?.result == "absent")
        #expect(e.text.hasPrefix("Content-Length: "))
        await e.finish()
    }

    @Test("a BOM before the first message is skipped when the framing is forced too",
          arguments: [FramingKind.ndjson, .lsp])
    func bomWithForcedFraming(framing: FramingKind) async {
        let e = Engine(framing: framing).running()
        let first = framing == .ndjson ? Self.echo1 + "\n" : lspFrame(Self.echo1)
        e.input.feed(Self.bom + Array(first.utf8))
        e.input.feed(framing == .ndjson ? rpc(2, "echo") + "\n" : lspFrame(rpc(2, "echo")))
        let m = await e.waitForResponses([2])
        #expect(m.response(to: 1)?.result == "absent")
        #expect(m.response(to: .null) == nil, "\(m)")
        await e.finish()
    }
}
