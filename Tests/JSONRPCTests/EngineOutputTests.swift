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

@Suite("Engine output")
struct EngineOutputTests {
    /// Stalls the output and occupies the writer: its first write (a `test/blocker`
    /// notification) blocks in the stalled sink, so what follows stays queued.
    private static func blockWriter(_ e: Engine, sourceLocation: SourceLocation = #_sourceLocation) async {
        e.output.stall(true)
        e.server.notifier.notify("test/blocker", nil)
        #expect(await e.probeSink.waitForWrites(1), sourceLocation: sourceLocation)
    }

    /// Runs `trigger`, then expects the engine to exit with `status` within 0.75 s of it.
    private static func expectPromptExit(_ e: Engine, status: Int32, sourceLocation: SourceLocation = #_sourceLocation,
                                         after trigger: () -> Void) async {
        let triggered = Date()
        trigger()
        #expect(await e.exits.wait() == status, sourceLocation: sourceLocation)
        let took = (e.exits.firstTime ?? .distantFuture).timeIntervalSince(triggered)
        #expect(took < 0.75, "exit took \(took) s", sourceLocation: sourceLocation)
    }

    // MARK: Whole frames

    @Test("every frame is whole with many concurrent tasks", arguments: [FramingKind.ndjson, .lsp])
    func wholeFrames(framing: FramingKind) async {
        let e = Engine(framing: framing).running()
        let requests = 200
        let lines = (0..<requests).map { rpc(.integer(Int64($0)), "notify", ["count": 10, "size": .integer(Int64(50 + $0 * 3))]) }
        switch framing {
        case .ndjson: e.send(lines: lines)
        case .lsp: e.input.feed(lines.map(lspFrame).joined())
        }
        await e.settle()  // every request is read, has ended, and everything is written
        // Checked on a thread of its own: parsing megabytes must not hold up the cooperative pool.
        let written = e.output.written
        let problems = await offload { () -> [String] in
            guard let frames = Wire.frames(written) else { return ["the output is not a sequence of \(framing) frames"] }
            var problems: [String] = []
            if frames.count != requests * 11 { problems.append("\(frames.count) frames, not \(requests * 11)") }
            var results: [JSONValue: JSONValue] = [:]
            var notes: [JSONValue: [JSONValue]] = [:]
            for f in frames {
                guard let m = try? JSONParser.parse(f) else {
                    problems.append("a frame is not JSON: \(String(decoding: f.prefix(200), as: UTF8.self))")
                    continue
                }
                if let id = m.id, let r = m.result { results[id] = r }
                if m.method == "test/note", let p = m["params"], let of = p["of"] {
                    notes[of, default: []].append(p)
                    if p["pad"]?.stringValue?.count != 50 + Int(of.integerValue ?? -1) * 3 { problems.append("a note of \(of) lost bytes") }
                }
            }
            for i in 0..<requests {
                let id = JSONValue.integer(Int64(i))
                if results[id] != "done" { problems.append("request \(i) answered \(String(describing: results[id]))") }
                if notes[id]?.map({ $0["i"] }) != (0..<10).map({ JSONValue.integer(Int64($0)) }) {
                    problems.append("request \(i)'s notes are not 0...9 in order")
                }
            }
            // Nothing but frames: NDJSON output ends with the last frame's line break.
            if framing == .ndjson && written.last != 0x0A { problems.append("the output does not end with a line break") }
            return problems
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        await e.finish()
    }

    @Test("output framing follows the input's when it is not forced", arguments: [
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}\n", FramingKind.ndjson),
        (lspFrame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}"), FramingKind.lsp),
    ])
    func framingFollowsInput(input: String, kind: FramingKind) async {
        let e = Engine(framing: nil).running()
        e.input.feed(input)
        let m = await e.waitForResponses([1])
        #expect(m.response(to: 1)?.result == "absent")
        let text = e.text
        #expect(text.hasPrefix("Content-Length: ") == (kind == .lsp))
        #expect(text.hasSuffix("\n") == (kind == .ndjson))
        await e.finish()
    }

    // MARK: Bounded output

    @Test("with output stalled past the budget, input is left unread until the client reads again")
    func boundedOutput() async {
        // Each request is answered inline (an unknown, long method name) with about a kilobyte;
        // each tick counts one message handled.
        let e = Engine(outputBudget: 4096, methods: MethodTable())
        let pairs = 300
        let pad = String(repeating: "p", count: 900)
        var input: [UInt8] = []
        var ticksInFirstRead = 0
        for i in 0..<pairs {
            input += Array((note("test/tick") + "\n").utf8)
            if input.count <= 1 << 16 { ticksInFirstRead += 1 }
            input += Array((rpc(.integer(Int64(i)), "pad-\(pad)") + "\n").utf8)
        }
        #expect(input.count > 4 * (1 << 16))
        e.output.stall(true)
        e.input.feed(input)  // before start: the first read takes a whole 64 KiB chunk
        e.start()
        #expect(await e.probeSource.waitUntilPaused())
        let handled = e.ticks.current
        #expect(handled < pairs)
        // At the latest after the first chunk: the reader does not read on past the budget.
        #expect(handled <= ticksInFirstRead)
        #expect(e.probeSource.readCount == 1)
        #expect(!e.server.writer.hasRoom(waiting: 0))
        e.output.stall(false)
        let m = await e.waitFor("every response", timeout: 20) { m in m.responses.count == pairs }
        #expect(e.ticks.current == pairs)
        #expect(m.responses.allSatisfy { $0.errorCode == -32601 })
        #expect(Set(m.compactMap(\.id)).count == pairs)
        #expect(e.probeSource.readCount > 1)
        await e.finish()
    }

    // MARK: Replacing keys

    @Test("notifications with a replacing key coalesce to the latest while output is stalled, before the response")
    func replacingKeys() async {
        let e = Engine().running()
        await Self.blockWriter(e)
        e.send(rpc(1, "progress", ["count": 50]))
        await e.settle(flush: false)  // request 1 has sent everything
        e.send(rpc(2, "progress", ["count": 30]))
        await e.settle(flush: false)
        e.server.notifier.notify("test/keyed", ["v": 1], replacing: "k")
        e.server.notifier.notify("test/plain", nil)
        e.server.notifier.notify("test/keyed", ["v": 2], replacing: "k")
        e.output.stall(false)
        let m = await e.waitFor("both responses and the keyed notification") { m in
            m.response(to: 1) != nil && m.response(to: 2) != nil && m.notifications("test/plain").count == 1
        }
        let summary = m.map { v -> String in
            if let method = v.method {
                let i = v["params"]?["i"] ?? v["params"]?["v"]
                return i.map { "\(method) \($0)" } ?? method
            }
            return "response \(v.id ?? .null)"
        }
        // A keyed notification is replaced in place only while nothing unkeyed follows it, so
        // here the second one goes after the plain one instead of jumping ahead of it.
        #expect(summary == ["test/blocker",
                            "test/progress 50", "response 1",
                            "test/progress 30", "response 2",
                            "test/keyed 1", "test/plain", "test/keyed 2"])
        await e.finish()
    }

    @Test("a keyed notification never moves ahead of a response queued before it",)
    func replacingKeyDoesNotOvertakeResponse() async {
        let e = Engine().running()
        await Self.blockWriter(e)
        // A request that reuses a finished request's id gets the same progress key.
        e.send(rpc(1, "progress", ["count": 3]))
        await e.settle(flush: false)
        e.send(rpc(1, "progress", ["count": 2]))
        await e.settle(flush: false)
        e.output.stall(false)
        let m = await e.waitFor("both responses") { m in m.responses.count == 2 }
        let order = m.map { v in v.method.map { "\($0) \(v["params"]?["i"] ?? .null)" } ?? "response \(v.result ?? .null)" }
        // The second request's progress must follow the first request's response.
        #expect(order.firstIndex(of: "test/progress 2").map { i in order.firstIndex(of: "response 3").map { $0 < i } ?? false } == true,
                "\(order)")
        await e.finish()
    }

    @Test("what was held during initialize keeps its replacing keys")
    func heldKeysStillCoalesce() async {
        let e = Engine()
        let server = e.server
        e.setHooks { h in
            h.initialize = { _ in
                for i in 1...5 { server.notifier.notify("test/keyed", ["v": .integer(Int64(i))], replacing: "k") }
                return [:]
            }
        }
        e.start()
        await Self.blockWriter(e)
        // The reader answers initialize before it reads on, so the sentinel's inline reply follows.
        e.send(rpc(1, "initialize"), rpc("sentinel", "nosuchmethod"))
        await e.sync()
        e.output.stall(false)
        let m = await e.waitForResponses([1, "sentinel"])
        #expect(m.map { $0.method ?? "response" } == ["test/blocker", "response", "test/keyed", "response"])
        #expect(m.notifications("test/keyed").first?["params"]?["v"] == 5)
        await e.finish()
    }

    // MARK: Exit while the client does not read

    @Test("end of input with a stalled sink still exits, within about half a second")
    func exitWithStalledSink() async {
        let e = Engine().running()
        e.output.stall(true)
        e.send(rpc(1, "echo"), rpc(2, "sleep"))
        #expect(await e.probeSink.waitForWrites(1))  // the writer is blocked with output queued
        await Self.expectPromptExit(e, status: 0) { e.input.close() }
        e.output.stall(false)
    }

    @Test("end of input while the reader waits for output room still exits, within about half a second",)
    func exitWhilePaused() async {
        let e = Engine(outputBudget: 100).running()
        e.output.stall(true)
        // Many messages in one read: the reader stops at (or after) the first ones, over budget.
        e.send(lines: (0..<50).flatMap { [rpc(.integer(Int64($0)), "pad-" + String(repeating: "q", count: 100)), note("test/tick")] })
        #expect(await e.probeSource.waitUntilPaused())
        await Self.expectPromptExit(e, status: 0) { e.input.close() }
        e.output.stall(false)
    }

    @Test("exit with a stalled sink still exits, within about half a second")
    func exitNotificationWithStalledSink() async {
        let e = Engine().running()
        e.output.stall(true)
        e.send(rpc(1, "nosuchmethod"))
        #expect(await e.probeSink.waitForWrites(1))
        await Self.expectPromptExit(e, status: 1) { e.send(note("exit")) }
        e.output.stall(false)
        e.input.close()
    }

    @Test("a client that hangs up its reading end does not block the engine or its exit")
    func hangUp() async {
        let e = Engine().running()
        e.output.hangUp()
        e.send(lines: (0..<50).map { rpc(.integer(Int64($0)), "notify", ["count": 20, "size": 500]) })
        await e.settle()
        let closed = Date()
        e.input.close()
        #expect(await e.exits.wait() == 0)
        #expect(Date().timeIntervalSince(closed) < 1)
        #expect(e.output.written.isEmpty)
    }
}
