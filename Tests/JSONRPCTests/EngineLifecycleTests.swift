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

@Suite("Engine lifecycle")
struct EngineLifecycleTests {
    // MARK: initialize

    @Test("initialize answers with the hook's result, built from its params")
    func initializeResult() async {
        let e = Engine()
        let seen = e.recordInitialize { params in ["capabilities": ["batches": true], "client": params?["clientInfo"] ?? .null] }
        e.start()
        e.send(rpc(1, "initialize", ["clientInfo": ["name": "t"]]))
        let r = await e.response(to: 1)
        #expect(r?.result == ["capabilities": ["batches": true], "client": ["name": "t"]])
        #expect(e.messages.count == 1)
        #expect(seen.current == [["clientInfo": ["name": "t"]]])
        await e.finish()
    }

    @Test("an initialize hook that throws answers with its error")
    func initializeThrows() async {
        let e = Engine()
        e.setHooks { h in h.initialize = { _ in throw RPCError(.invalidParams, "bad options") } }
        e.start()
        e.send(rpc(1, "initialize"))
        let r = await e.response(to: 1)
        #expect(r?.errorCode == -32602)
        #expect(r?.errorMessage == "bad options")
        await e.finish()
    }

    @Test("a second initialize is -32600, written after the first result")
    func secondInitialize() async {
        let e = Engine()
        let calls = e.recordInitialize()
        e.start()
        e.send(rpc(1, "initialize"), rpc(2, "initialize"))
        let m = await e.waitForResponses([1, 2])
        #expect(m.count == 2)
        #expect(m.first?.isResponse(to: 1) == true)
        #expect(m.first?.result == ["ok": true])
        #expect(m.last?.isResponse(to: 2) == true)
        #expect(m.last?.errorCode == -32600)
        #expect(calls.current.count == 1)
        await e.finish()
    }

    @Test("nothing is written before the initialize result, even while another request's task notifies")
    func initializeResultComesFirst() async {
        enum Chatty: MethodName { static let name = "chatty" }
        let release = AsyncGate()
        let notified = Flag()
        var t = MethodTable.standard()
        t.add(Fn<Chatty> { _, context in
            await release.wait()
            for i in 0..<3 { context.notify("test/note", ["i": .integer(Int64(i))]) }
            notified.raise()
            return "chatty done"
        })
        let e = Engine(methods: t)
        let server = e.server
        e.setHooks { h in
            h.initialize = { _ in
                // The request read before this one now notifies while initialize is being answered;
                // the hook itself notifies too.
                release.open()
                let sawNotifications = notified.wait()
                server.notifier.notify("test/fromHook", nil)
                return ["sawNotifications": .bool(sawNotifications)]
            }
        }
        e.start()
        e.send(rpc(1, "chatty"), rpc(2, "initialize"))
        let m = await e.waitFor("the initialize result, three notifications and chatty's result") { m in
            m.response(to: 1) != nil && m.response(to: 2) != nil && m.notifications("test/note").count == 3
                && m.notifications("test/fromHook").count == 1
        }
        #expect(m.first?.isResponse(to: 2) == true, "first frame: \(String(describing: m.first))")
        #expect(m.first?.result == ["sawNotifications": true])
        #expect(m.count == 6)
        await e.finish()
    }

    // MARK: sessionStarted

    @Test("sessionStarted runs once, right after the initialize reply")
    func sessionAfterInitialize() async {
        let e = Engine()
        let triggers = e.recordSessionStarts(announce: true)
        e.start()
        e.send(rpc(1, "initialize"), rpc(2, "echo"), rpc(3, "initialize"), rpc(4, "echo"))
        let m = await e.waitForResponses([1, 2, 3, 4])
        #expect(triggers.current == ["initialize"])
        #expect(m.count == 5)
        #expect(m.first?.isResponse(to: 1) == true)
        #expect(m.count > 1 && m[1].method == "session/started")
        await e.finish()
    }

    @Test("without initialize, the first request starts the session before any of its output")
    func sessionOnFirstRequest() async {
        let e = Engine()
        let triggers = e.recordSessionStarts(announce: true)
        e.start()
        // A notification does not start it; the first request does, before it runs.
        e.send(note("test/anything"), rpc(1, "notify", ["count": 2]), rpc(2, "echo"), rpc(3, "initialize"))
        let m = await e.waitForResponses([1, 2, 3])
        #expect(triggers.current == ["notify"])
        #expect(m.first?.method == "session/started")
        #expect(m.notifications("session/started").count == 1)
        #expect(m.response(to: 3)?.result != nil, "a late initialize is still accepted")
        await e.finish()
    }

    @Test("sessionStarted returning false defers the start to the next trigger")
    func sessionDeferred() async {
        let e = Engine()
        let triggers = e.recordSessionStarts { trigger in trigger != "echo" }
        e.start()
        e.send(rpc(1, "echo"), rpc(2, "echo"), rpc(3, "image.generate"), rpc(4, "echo"), rpc(5, "initialize"))
        await e.waitForResponses([1, 2, 3, 4, 5])
        #expect(triggers.current == ["echo", "echo", "image.generate"])
        await e.finish()
    }

    @Test("a reply to bad input may start the session, with an empty trigger")
    func sessionOnBadInput() async {
        let e = Engine()
        let triggers = e.recordSessionStarts()
        e.start()
        e.send("{not json", rpc(1, "echo"))
        await e.waitForResponses([.null, 1])
        #expect(triggers.current == [""])
        await e.finish()
    }

    // MARK: shutdown

    @Test("shutdown cancels requests in flight: each answers -32800 before shutdown's null")
    func shutdownCancels() async {
        let e = Engine().running()
        e.send(rpc(1, "sleep"), rpc("two", "sleep"), rpc(.null, "sleep"), rpc(9, "shutdown"))
        let m = await e.waitForResponses([1, "two", .null, 9])
        let shutdownAt = m.index(ofResponseTo: 9)
        #expect(m.response(to: 9)?.result == .null)
        for id: JSONValue in [1, "two", .null] {
            #expect(m.response(to: id)?.errorCode == -32800, "id \(id)")
            if let i = m.index(ofResponseTo: id), let s = shutdownAt { #expect(i < s, "id \(id) answered after shutdown") }
        }
        #expect(m.count == 4)
        await e.finish()
    }

    @Test("after shutdown, requests (initialize included) get -32600")
    func afterShutdown() async {
        let e = Engine().running()
        #expect(await e.shutDown()?.result == .null)
        e.send(rpc(2, "echo"), rpc(3, "initialize"), rpc(4, "shutdown"), rpc(5, "nosuchmethod"))
        let m = await e.waitForResponses([2, 3, 4, 5])
        for id: JSONValue in [2, 3, 4, 5] { #expect(m.response(to: id)?.errorCode == -32600, "id \(id)") }
        await e.finish()
    }

    @Test("a request pipelined right behind shutdown gets -32600",)
    func pipelinedAfterShutdown() async {
        for round in 0..<20 {
            let e = Engine().running()
            e.send(rpc(1, "shutdown"), rpc(2, "echo"))
            let m = await e.waitForResponses([1, 2])
            #expect(m.response(to: 2)?.errorCode == -32600, "round \(round): \(String(describing: m.response(to: 2)))")
            await e.finish()
        }
    }

    // MARK: exit

    @Test("exit after shutdown ends with status 0, after willExit")
    func exitAfterShutdown() async {
        let e = Engine()
        let events = e.recordWillExit()
        e.start()
        await e.shutDown()
        e.send(note("exit"))
        #expect(await e.exits.wait() == 0)
        #expect(events.current == ["willExit"])
        #expect(e.exits.all == [0])
        e.input.close()
    }

    @Test("exit without shutdown ends with status 1")
    func exitWithoutShutdown() async {
        let e = Engine().running()
        e.send(rpc(1, "nosuchmethod"), note("exit"))
        #expect(await e.exits.wait() == 1)
        // What was queued before exit was flushed first.
        let before = Wire.messages(e.exits.writtenAtExit ?? [])
        #expect(before.response(to: 1)?.errorCode == -32601)
        e.input.close()
    }

    @Test("exit pipelined right behind shutdown ends with status 0",)
    func exitPipelinedAfterShutdown() async {
        for round in 0..<20 {
            let e = Engine().running()
            e.send(rpc(1, "shutdown"), note("exit"))
            #expect(await e.exits.wait() == 0, "round \(round)")
            e.input.close()
        }
    }

    @Test("exit sent as a request is still the exit notification")
    func exitAsRequest() async {
        let e = Engine().running()
        e.send(rpc(1, "exit"))
        #expect(await e.exits.wait() == 1)
        #expect(Wire.messages(e.exits.writtenAtExit ?? []).isEmpty)
        e.input.close()
    }

    @Test("end of input ends with status 0, cancelling what is in flight")
    func endOfInput() async {
        let e = Engine()
        let events = e.recordWillExit()
        e.start()
        e.send(rpc("s", "sleep"), rpc(1, "echo"))
        await e.waitStarted(["s"])
        _ = await e.response(to: 1)
        e.input.close()
        #expect(await e.exits.wait() == 0)
        let written = Wire.messages(e.exits.writtenAtExit ?? [])
        #expect(written.response(to: "s")?.errorCode == -32800, "a request in flight is cancelled and answered")
        #expect(events.current == ["willExit"])
        #expect(e.exits.all == [0])
    }

    @Test("requests read right before end of input are still answered before the exit")
    func endOfInputAnswersWhatWasRead() async {
        let e = Engine().running()
        // As `printf '…' | aitoearn-rpc` does: the messages, then end of input at once.
        e.send(lines: (0..<20).map { rpc(.integer(Int64($0)), "nosuchmethod") })
        e.input.close()
        #expect(await e.exits.wait() == 0)
        let written = Wire.messages(e.exits.writtenAtExit ?? [])
        for i in 0..<20 { #expect(written.response(to: .integer(Int64(i)))?.errorCode == -32601, "request \(i)") }
    }

    @Test("terminate(status:) cancels work, flushes, runs willExit and exits once with that status")
    func terminate() async {
        let e = Engine()
        let events = e.recordWillExit()
        e.start()
        e.send(rpc(1, "sleep"), rpc(2, "echo"))
        await e.waitStarted([1])
        _ = await e.response(to: 2)
        let server = e.server
        await offload { server.terminate(status: 3) }
        #expect(e.exits.all == [3])
        let written = Wire.messages(e.exits.writtenAtExit ?? [])
        #expect(written.response(to: 1)?.errorCode == -32800)
        #expect(events.current == ["willExit"])
        // Later ways out do nothing more.
        await offload { server.terminate(status: 4) }
        e.input.close()
        #expect(await e.exits.wait() == 3)
        #expect(e.exits.all == [3])
    }

    @Test("initialize with the processId of a process that is gone ends the server with status 0")
    func parentGone() async {
        let e = Engine().running()
        // Far above any pid_max: kill(pid, 0) fails with ESRCH.
        e.send(rpc(1, "initialize", ["processId": .integer(Int64(Int32.max - 1))]))
        #expect(await e.exits.wait() == 0)
        #expect(Wire.messages(e.exits.writtenAtExit ?? []).response(to: 1)?.result != nil)
        e.input.close()
    }
}
