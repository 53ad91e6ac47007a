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

@Suite("Engine dispatch")
struct EngineDispatchTests {
    // MARK: Methods

    @Test("unknown methods are -32601, with a did-you-mean hint for a near name only")
    func unknownMethod() async {
        let e = Engine().running()
        e.send(rpc(1, "image.generat"), rpc(2, "Image_Generate"), rpc(3, "zzzzzzzz"))
        let m = await e.waitForResponses([1, 2, 3])
        #expect(m.response(to: 1)?.errorCode == -32601)
        #expect(m.response(to: 1)?.errorMessage == #"There is no method named "image.generat" (did you mean "image.generate"?)."#)
        #expect(m.response(to: 2)?.errorMessage?.contains(#"(did you mean "image.generate"?)"#) == true)
        #expect(m.response(to: 3)?.errorCode == -32601)
        #expect(m.response(to: 3)?.errorMessage == #"There is no method named "zzzzzzzz"."#)
        await e.finish()
    }

    @Test("unknown notifications and replies from the client are ignored")
    func ignored() async {
        let e = Engine().running()
        e.send(note("no/such/notification", ["a": 1]), note("image.generate"),
               #"{"jsonrpc":"2.0","id":5,"result":{}}"#, #"{"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}}"#,
               rpc("sentinel", "nosuchmethod"))
        // The sentinel is answered inline, on the reader thread, after everything before it.
        let m = await e.waitForResponses(["sentinel"])
        #expect(m.count == 1)
        await e.finish()
    }

    @Test("ids are echoed exactly: strings, integers, big integers, fractions and null")
    func idsEchoed() async {
        let e = Engine().running()
        let ids: [JSONValue] = ["7", 7, .numberLiteral("123456789012345678901234567890"), .null, 1.5, -3, ""]
        e.send(lines: ids.map { rpc($0, "echo") })
        let m = await e.waitForResponses(ids)
        #expect(m.count == ids.count)
        for id in ids { #expect(m.response(to: id)?.result == "absent", "id \(id)") }
        let text = e.text
        for raw in [#""id":"7""#, #""id":7,"#, #""id":123456789012345678901234567890,"#, #""id":null,"#, #""id":1.5,"#,
                    #""id":-3,"#, #""id":"","#] {
            #expect(text.contains(raw), "\(raw) missing from \(text)")
        }
        await e.finish()
    }

    @Test("the same id as a string and as a number are different requests")
    func stringAndNumberIds() async {
        let e = Engine().running()
        e.send(rpc("7", "sleep"), rpc(7, "sleep"))
        await e.waitStarted(["7", 7])
        e.server.cancelRequest(id: "7")
        #expect(await e.response(to: "7")?.errorCode == -32800)
        #expect(e.messages.response(to: 7) == nil)
        e.server.cancelRequest(id: 7)
        #expect(await e.response(to: 7)?.errorCode == -32800)
        await e.finish()
    }

    @Test("invalid messages are -32600 with the id when it is usable, null otherwise", arguments: [
        (#"{"id":1,"method":"echo"}"#, JSONValue.integer(1)),
        (#"{"jsonrpc":"1.0","id":"a","method":"echo"}"#, JSONValue.string("a")),
        (#"{"jsonrpc":"2.0","id":{"x":1},"method":"echo"}"#, JSONValue.null),
        (#"{"jsonrpc":"2.0","id":[1],"method":"echo"}"#, JSONValue.null),
        (#"{"jsonrpc":"2.0","id":true,"method":"echo"}"#, JSONValue.null),
        (#"{"jsonrpc":"2.0","id":2,"method":5}"#, JSONValue.integer(2)),
        (#"{"jsonrpc":"2.0","id":3,"method":"echo","params":"x"}"#, JSONValue.integer(3)),
        (#"{"jsonrpc":"2.0","id":4,"method":"echo","params":4}"#, JSONValue.integer(4)),
        (#"{"jsonrpc":"2.0","id":5}"#, JSONValue.integer(5)),
        (#"{"jsonrpc":"2.0"}"#, JSONValue.null),
        (#"{"jsonrpc":"2.0","method":"echo","params":true}"#, JSONValue.null),
        ("5", JSONValue.null),
        (#""text""#, JSONValue.null),
        ("null", JSONValue.null),
    ])
    func invalid(line: String, id: JSONValue) async {
        let e = Engine().running()
        e.send(line, rpc("sentinel", "nosuchmethod"))
        let m = await e.waitForResponses(["sentinel"])
        #expect(m.count == 2, "\(m)")
        #expect(m.first?.id == id)
        #expect(m.first?.errorCode == -32600)
        await e.finish()
    }

    @Test("bad JSON is -32700 with id null, and the next message is still read", arguments: [
        #"{"jsonrpc":"2.0","id":1,"method":"echo""#, "{not json}", #"{"jsonrpc":"2.0","id":1,"method":"echo"} x"#,
        "[1,", #"{"jsonrpc":"2.0","id":1,"method":"\ud800"#,
    ])
    func badJSON(line: String) async {
        let e = Engine().running()
        e.send(line, rpc(2, "echo"))
        let m = await e.waitForResponses([.null, 2])
        #expect(m.count == 2)
        #expect(m.response(to: .null)?.errorCode == -32700)
        #expect(m.response(to: 2)?.result == "absent")
        await e.finish()
    }

    @Test("an oversized NDJSON line is -32600 with id null, and the next one is read")
    func oversizedNDJSON() async {
        let e = Engine(maxMessageBytes: 100).running()
        e.send(rpc(1, "echo", ["pad": .string(String(repeating: "x", count: 200))]), rpc(2, "echo"))
        let m = await e.waitForResponses([.null, 2])
        #expect(m.response(to: .null)?.errorCode == -32600)
        #expect(m.response(to: .null)?.errorMessage?.contains("limit of 100") == true)
        #expect(m.response(to: 1) == nil)
        #expect(m.response(to: 2)?.result == "absent")
        await e.finish()
    }

    @Test("an oversized or broken LSP frame is answered with id null, and the next frame is read")
    func oversizedAndBrokenLSP() async {
        let e = Engine(framing: .lsp, maxMessageBytes: 100).running()
        let big = rpc(1, "echo", ["pad": .string(String(repeating: "x", count: 200))])
        e.input.feed(lspFrame(big) + lspFrame(rpc(2, "echo")) + "Content-Length: abc\r\n\r\n" + lspFrame(rpc(3, "echo")))
        let m = await e.waitFor("two errors and two results") { m in
            m.filter { $0.isResponse(to: .null) }.count == 2 && m.response(to: 2) != nil && m.response(to: 3) != nil
        }
        let errors = m.filter { $0.isResponse(to: .null) }.compactMap(\.errorCode)
        #expect(errors == [-32600, -32700])
        #expect(m.response(to: 2)?.result == "absent")
        #expect(m.response(to: 3)?.result == "absent")
        await e.finish()
    }

    @Test("a params decoding error is the method's -32602")
    func paramsDecoding() async {
        let e = Engine().running()
        e.send(rpc(1, "strict", ["x": 21]), rpc(2, "strict", ["x": "no"]), rpc(3, "strict"))
        let m = await e.waitForResponses([1, 2, 3])
        #expect(m.response(to: 1)?.result == 42)
        #expect(m.response(to: 2)?.errorCode == -32602)
        #expect(m.response(to: 2)?.errorMessage == #""x" must be an integer."#)
        #expect(m.response(to: 3)?.errorCode == -32602)
        await e.finish()
    }

    @Test("an RPCError thrown by a method is its answer; any other error is -32603")
    func methodErrors() async {
        let e = Engine().running()
        e.send(rpc(1, "fail", ["code": -32011, "message": "job failed"]), rpc(2, "crash"))
        let m = await e.waitForResponses([1, 2])
        #expect(m.response(to: 1)?["error"] == ["code": -32011, "message": "job failed"])
        #expect(m.response(to: 2)?.errorCode == -32603)
        #expect(m.response(to: 2)?.errorMessage == "Internal error: the test method failed")
        await e.finish()
    }

    @Test("a method that fails with another error after being cancelled answers -32800")
    func cancelledThenOtherError() async {
        enum Stubborn: MethodName { static let name = "stubborn" }
        let started = Started()
        var t = MethodTable.standard(started)
        t.add(Fn<Stubborn> { _, context in
            started.record(context.id)
            try? await Task.sleep(for: .seconds(60))
            throw TestFailure()
        })
        let e = Engine(started: started, methods: t).running()
        e.send(rpc(1, "stubborn"))
        await e.waitStarted([1])
        e.server.cancelRequest(id: 1)
        #expect(await e.response(to: 1)?.errorCode == -32800)
        await e.finish()
    }

    @Test("requests run concurrently and are answered in completion order")
    func concurrent() async {
        enum WaitGate: MethodName { static let name = "waitGate" }
        enum OpenGate: MethodName { static let name = "openGate" }
        let gate = AsyncGate()
        var t = MethodTable.standard()
        t.add(Fn<WaitGate> { _, _ in
            await gate.wait()
            return "passed"
        })
        t.add(Fn<OpenGate> { _, _ in
            gate.open()
            return "opened"
        })
        let e = Engine(methods: t).running()
        e.send(rpc(1, "waitGate"), rpc(2, "openGate"))
        let m = await e.waitForResponses([1, 2])
        #expect(m.response(to: 1)?.result == "passed")
        if let a = m.index(ofResponseTo: 2), let b = m.index(ofResponseTo: 1) { #expect(a < b) }
        await e.finish()
    }

    @Test("a method's notifications carry its params and come before its result")
    func notificationsBeforeResult() async {
        let e = Engine().running()
        e.send(rpc("n", "notify", ["count": 5]))
        let m = await e.waitForResponses(["n"])
        #expect(m.count == 6)
        #expect(m.notifications("test/note").map { $0["params"]?["i"] } == [0, 1, 2, 3, 4])
        #expect(m.last?.isResponse(to: "n") == true)
        await e.finish()
    }

    // MARK: "params": null

    @Test("\"params\": null is the same as absent for requests")
    func nullParamsRequest() async {
        let e = Engine().running()
        e.send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":null}"#, rpc(2, "echo"), rpc(3, "echo", []),
               #"{"jsonrpc":"2.0","id":4,"method":"strict","params":null}"#)
        let m = await e.waitForResponses([1, 2, 3, 4])
        #expect(m.response(to: 1)?.result == "absent")
        #expect(m.response(to: 2)?.result == "absent")
        #expect(m.response(to: 3)?.result == [])
        #expect(m.response(to: 4)?.errorCode == -32602)
        await e.finish()
    }

    @Test("\"params\": null is the same as absent for notifications")
    func nullParamsNotification() async {
        var t = MethodTable.standard()
        let seen = Locked<[JSONValue?]>([])
        t.on("test/n") { params in seen.withLock { $0.append(params) } }
        let e = Engine(methods: t).running()
        e.send(#"{"jsonrpc":"2.0","method":"test/n","params":null}"#, note("test/n"), note("test/n", ["a": 1]),
               rpc("sentinel", "nosuchmethod"))
        await e.waitForResponses(["sentinel"])
        #expect(seen.current == [nil, nil, ["a": 1]])
        #expect(e.messages.count == 1)
        await e.finish()
    }

    @Test("\"params\": null is the same as absent for initialize")
    func nullParamsInitialize() async {
        let e = Engine()
        let seen = e.recordInitialize { _ in [:] }
        e.start()
        e.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":null}"#)
        #expect(await e.response(to: 1)?.result == [:])
        #expect(seen.current == [nil])
        await e.finish()
    }

    @Test("\"params\": null is the same as absent for exit", arguments: [false, true])
    func nullParamsExit(afterShutdown: Bool) async {
        let e = Engine().running()
        if afterShutdown {
            await e.shutDown()
        }
        e.send(#"{"jsonrpc":"2.0","method":"exit","params":null}"#)
        #expect(await e.exits.wait() == (afterShutdown ? 0 : 1))
        e.input.close()
    }

    // MARK: Method tables

    private enum Beta: MethodName { static let name = "beta" }

    /// A table with only `beta`, which answers "B".
    private static func betaTable() -> MethodTable {
        var b = MethodTable()
        b.add(Fn<Beta> { _, _ in "B" })
        return b
    }

    @Test("useMethods switches what is answered")
    func switchTables() async {
        enum Alpha: MethodName { static let name = "alpha" }
        var a = MethodTable()
        a.add(Fn<Alpha> { _, _ in "A" })
        let b = Self.betaTable()
        let e = Engine(methods: a)
        #expect(e.server.methodNames == ["alpha"])
        e.start()
        e.send(rpc(1, "alpha"), rpc(2, "beta"))
        var m = await e.waitForResponses([1, 2])
        #expect(m.response(to: 1)?.result == "A")
        #expect(m.response(to: 2)?.errorCode == -32601)
        e.server.useMethods(b)
        #expect(e.server.methodNames == ["beta"])
        e.send(rpc(3, "alpha"), rpc(4, "beta"))
        m = await e.waitForResponses([3, 4])
        #expect(m.response(to: 3)?.errorCode == -32601)
        #expect(m.response(to: 4)?.result == "B")
        await e.finish()
    }

    @Test("a table switched by the initialize hook answers the very next message")
    func switchInInitialize() async {
        let e = Engine()
        e.switchTables(onInitialize: Self.betaTable())
        e.start()
        e.send(rpc(1, "initialize"), rpc(2, "beta"), rpc(3, "echo"))
        let m = await e.waitForResponses([1, 2, 3])
        #expect(m.response(to: 2)?.result == "B")
        #expect(m.response(to: 3)?.errorCode == -32601)
        await e.finish()
    }

    @Test("a table's notification handlers run, and only the current table's")
    func tableNotifications() async {
        let seen = Locked<[String]>([])
        var a = MethodTable()
        a.on("ping") { _ in seen.withLock { $0.append("a") } }
        var b = MethodTable()
        b.on("ping") { _ in seen.withLock { $0.append("b") } }
        let e = Engine(methods: a).running()
        e.send(note("ping"), rpc(1, "sentinel"))
        await e.waitForResponses([1])
        e.server.useMethods(b)
        e.send(note("ping"), note("ping"), rpc(2, "sentinel"))
        await e.waitForResponses([2])
        #expect(seen.current == ["a", "b", "b"])
        await e.finish()
    }

    @Test("a table's $/cancelRequest handler makes a running request answer -32800")
    func cancelThroughTable() async {
        var t = MethodTable.standard()
        let box = Locked<RPCServer?>(nil)
        t.on("$/cancelRequest") { params in
            if let id = params?["id"] { box.current?.cancelRequest(id: id) }
        }
        let e = Engine(methods: t)
        box.withLock { $0 = e.server }
        e.start()
        e.send(rpc(1, "sleep"), rpc(2, "sleep"), note("$/cancelRequest", ["id": 1]), note("$/cancelRequest", ["id": 99]))
        #expect(await e.response(to: 1)?["error"] == ["code": -32800, "message": "The request was cancelled."])
        #expect(e.messages.response(to: 2) == nil, "only the named request is cancelled")
        e.send(note("$/cancelRequest", ["id": 2]))
        #expect(await e.response(to: 2)?.errorCode == -32800)
        await e.finish()
    }

    @Test("cancelRequest(id:silently: true) makes the request send nothing at all")
    func cancelSilently() async {
        let started = Started()
        var t = MethodTable.standard(started)
        let box = Locked<RPCServer?>(nil)
        t.on("notifications/cancelled") { params in
            if let id = params?["requestId"] { box.current?.cancelRequest(id: id, silently: true) }
        }
        let e = Engine(started: started, methods: t)
        box.withLock { $0 = e.server }
        e.start()
        e.send(rpc(1, "sleep"), rpc(2, "sleep"), note("notifications/cancelled", ["requestId": 1]),
               note("notifications/cancelled", ["requestId": 99]))
        await e.waitStarted([2])
        e.server.cancelRequest(id: 2)
        await e.settle()  // both have ended, and what they sent is written
        #expect(e.messages.count == 1, "\(e.text)")
        #expect(e.messages.response(to: 2)?.errorCode == -32800)
        #expect(e.messages.response(to: 1) == nil)
        await e.finish()
    }

    @Test("a silenced request's own notifications before the cancel still go out, its reply does not")
    func silencedKeepsEarlierNotifications() async {
        enum NotifyThenSleep: MethodName { static let name = "notifyThenSleep" }
        let notified = Flag()
        var t = MethodTable.standard()
        t.add(Fn<NotifyThenSleep> { _, context in
            context.notify("test/note", nil)
            notified.raise()
            try await Task.sleep(for: .seconds(60))
            return "woke"
        })
        let e = Engine(methods: t).running()
        e.send(rpc(1, "notifyThenSleep"))
        #expect(await offload { notified.wait() })
        e.server.cancelRequest(id: 1, silently: true)
        await e.settle()
        #expect(e.messages.map(\.method) == ["test/note"])
        await e.finish()
    }

    // MARK: The route hook

    @Test("route sees each request (not initialize, shutdown or exit) with its params, before it runs")
    func routeSeesRequests() async {
        let e = Engine()
        let seen = Locked<[String]>([])
        e.setHooks { h in
            h.route = { method, params in
                seen.withLock { $0.append(method + " " + (params?.serializedString() ?? "-")) }
                return .proceed
            }
        }
        e.start()
        e.send(rpc(1, "initialize"), rpc(2, "echo", ["a": 1]), note("test/anything", ["b": 2]), rpc(3, "nosuchmethod"),
               #"{"jsonrpc":"2.0","id":4,"method":"echo","params":null}"#, rpc(5, "shutdown"))
        let m = await e.waitForResponses([1, 2, 3, 4, 5])
        #expect(m.response(to: 2)?.result == ["a": 1])
        #expect(seen.current == [#"echo {"a":1}"#, "nosuchmethod -", "echo -"])
        e.send(note("exit"))
        #expect(await e.exits.wait() == 0)
        #expect(seen.current.count == 3)
        e.input.close()
    }

    @Test("a request route rejects is answered with its error, with the request's id, and never runs")
    func routeRejects() async {
        enum Counted: MethodName { static let name = "counted" }
        let runs = Locked(0)
        var t = MethodTable.standard()
        t.add(Fn<Counted> { _, _ in
            runs.withLock { $0 += 1 }
            return "ran"
        })
        let e = Engine(methods: t)
        e.setHooks { h in
            h.route = { method, params in
                params?["refuse"] == true ? .reject(RPCError(ErrorCode(rawValue: -32022), "refused \(method)", data: ["why": "test"])) : .proceed
            }
        }
        e.start()
        e.send(rpc("r", "counted", ["refuse": true]), rpc("ok", "counted"))
        let m = await e.waitForResponses(["r", "ok"])
        #expect(m.response(to: "r")?["error"] == ["code": -32022, "message": "refused counted", "data": ["why": "test"]])
        #expect(m.response(to: "ok")?.result == "ran")
        #expect(runs.current == 1)
        await e.finish()
    }

    @Test("route may switch tables for the very request it sees")
    func routeSwitchesTables() async {
        let tableB = Self.betaTable()
        let e = Engine()
        let server = e.server
        e.setHooks { h in
            h.route = { method, _ in
                if method == "beta" { server.useMethods(tableB) }
                return .proceed
            }
        }
        e.start()
        e.send(rpc(1, "echo"))
        #expect(await e.response(to: 1)?.result == "absent")
        e.send(rpc(2, "beta"), rpc(3, "echo"))
        let m = await e.waitForResponses([2, 3])
        #expect(m.response(to: 2)?.result == "B")
        #expect(m.response(to: 3)?.errorCode == -32601)
        await e.finish()
    }

    @Test("a request read before a table switch is served by the table it was read under",)
    func requestKeepsItsTable() async {
        let tableB = Self.betaTable()
        for round in 0..<20 {
            let e = Engine()
            e.switchTables(onInitialize: tableB)
            e.start()
            e.send(lines: (0..<10).map { rpc(.integer(Int64($0)), "echo") } + [rpc("init", "initialize"), rpc("b", "beta")])
            let m = await e.waitForResponses((0..<10).map { .integer(Int64($0)) } + ["init", "b"])
            let wrong = (0..<10).filter { m.response(to: .integer(Int64($0)))?.result != "absent" }
            #expect(wrong.isEmpty, "round \(round): requests \(wrong) were answered by the new table")
            #expect(m.response(to: "b")?.result == "B")
            await e.finish()
        }
    }

    @Test("route sees the requests inside a batch too",)
    func routeSeesBatchRequests() async {
        let e = Engine()
        e.setHooks { h in h.route = { method, _ in .reject(RPCError(.invalidRequest, "refused \(method)")) } }
        e.start()
        e.send("[\(rpc(1, "echo")),\(rpc(2, "notify"))]")
        let m = await e.waitFor("the batch reply") { m in m.contains { $0.arrayValue != nil } }
        let replies = m.first { $0.arrayValue != nil }?.arrayValue ?? []
        #expect(replies.response(to: 1)?.errorMessage == "refused echo")
        #expect(replies.response(to: 2)?.errorMessage == "refused notify")
        #expect(m.notifications("test/note").isEmpty)
        await e.finish()
    }

    // MARK: Batches

    @Test("an empty batch is one -32600 error with id null, not an array")
    func emptyBatch() async {
        let e = Engine().running()
        e.send("[]", rpc(1, "echo"))
        let m = await e.waitForResponses([.null, 1])
        #expect(m.count == 2)
        #expect(m.first?.errorCode == -32600)
        #expect(m.first?.id == .null)
        await e.finish()
    }

    /// The standard table plus a handler for `tick` notifications; returns how many it handled.
    private static func tickCountingTable() -> (MethodTable, Locked<Int>) {
        var t = MethodTable.standard()
        let seen = Locked(0)
        t.on("tick") { _ in seen.withLock { $0 += 1 } }
        return (t, seen)
    }

    @Test("a batch of only notifications gets no reply, and its handlers run")
    func notificationBatch() async {
        let (t, seen) = Self.tickCountingTable()
        let e = Engine(methods: t).running()
        e.send("[\(note("tick")),\(note("tick")),\(note("unknown/thing"))]", rpc("sentinel", "nosuchmethod"))
        let m = await e.waitForResponses(["sentinel"])
        #expect(m.count == 1)
        #expect(seen.current == 2)
        await e.finish()
    }

    @Test("a mixed batch is answered in one array, without the notifications")
    func mixedBatch() async {
        let (t, seen) = Self.tickCountingTable()
        let e = Engine(methods: t).running()
        e.send("[\(rpc(1, "echo", ["a": 1])),\(note("tick")),5,\(rpc("u", "nosuchmethod")),\(rpc(3, "notify", ["count": 2])),\(rpc(4, "fail"))]")
        let m = await e.waitFor("the batch reply and the notifications") { m in
            m.contains { $0.arrayValue != nil } && m.notifications("test/note").count == 2
        }
        let arrays = m.compactMap(\.arrayValue)
        #expect(arrays.count == 1)
        let replies = arrays.first ?? []
        #expect(replies.count == 5)
        #expect(replies.response(to: 1)?.result == ["a": 1])
        #expect(replies.response(to: .null)?.errorCode == -32600)
        #expect(replies.response(to: "u")?.errorCode == -32601)
        #expect(replies.response(to: 3)?.result == "done")
        #expect(replies.response(to: 4)?.errorCode == -32000)
        #expect(seen.current == 1)
        // The batch's own notifications are separate frames, written before its reply.
        #expect(m.count == 3)
        #expect(m.last?.arrayValue != nil)
        await e.finish()
    }

    @Test("initialize inside a batch is refused, and does not count as the initialize")
    func initializeInBatch() async {
        let e = Engine()
        let calls = e.recordInitialize()
        e.start()
        e.send("[\(rpc(1, "initialize")),\(rpc(2, "echo"))]")
        let m = await e.waitFor("the batch reply") { m in m.contains { $0.arrayValue != nil } }
        let replies = m.first?.arrayValue ?? []
        #expect(replies.response(to: 1)?.errorCode == -32600)
        #expect(replies.response(to: 2)?.result == "absent")
        #expect(calls.current.isEmpty)
        e.send(rpc(3, "initialize"))
        #expect(await e.response(to: 3)?.result == ["ok": true])
        await e.finish()
    }

    @Test("a batch element can be cancelled (-32800 in the array) or silenced (left out)")
    func batchCancellation() async {
        let e = Engine().running()
        e.send("[\(rpc(1, "sleep")),\(rpc(2, "sleep")),\(rpc(3, "echo"))]")
        await e.waitStarted([1, 2])
        e.server.cancelRequest(id: 1)
        e.server.cancelRequest(id: 2, silently: true)
        let m = await e.waitFor("the batch reply") { m in m.contains { $0.arrayValue != nil } }
        let replies = m.first?.arrayValue ?? []
        #expect(replies.count == 2)
        #expect(replies.response(to: 1)?.errorCode == -32800)
        #expect(replies.response(to: 3)?.result == "absent")
        await e.finish()
    }

    @Test("a batch whose requests are all silenced gets no reply")
    func batchAllSilenced() async {
        let e = Engine().running()
        e.send("[\(rpc(1, "sleep")),\(note("x"))]")
        await e.waitStarted([1])
        e.server.cancelRequest(id: 1, silently: true)
        await e.settle()
        e.send(rpc("sentinel", "nosuchmethod"))
        let m = await e.waitForResponses(["sentinel"])
        #expect(m.count == 1)
        await e.finish()
    }

    @Test("shutdown answers after a batch's cancelled requests",)
    func shutdownAfterBatch() async {
        for round in 0..<20 {
            let e = Engine().running()
            e.send("[\(rpc(1, "sleep")),\(rpc(2, "sleep"))]", rpc(9, "shutdown"))
            let m = await e.waitFor("the batch reply and shutdown's") { m in
                m.contains { $0.arrayValue != nil } && m.response(to: 9) != nil
            }
            let batchAt = m.firstIndex { $0.arrayValue != nil }
            let shutdownAt = m.index(ofResponseTo: 9)
            #expect(m.first { $0.arrayValue != nil }?.arrayValue?.compactMap(\.errorCode) == [-32800, -32800])
            if let b = batchAt, let s = shutdownAt { #expect(b < s, "round \(round): shutdown answered before the batch") }
            await e.finish()
        }
    }

    @Test("after shutdown, a batch's requests get -32600 in its array")
    func batchAfterShutdown() async {
        let e = Engine().running()
        await e.shutDown()
        e.send("[\(rpc(2, "echo")),\(note("x"))]")
        let m = await e.waitFor("the batch reply") { m in m.contains { $0.arrayValue != nil } }
        #expect(m.last?.arrayValue?.map(\.errorCode) == [-32600])
        await e.finish()
    }
}
