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

// The in-memory harness the engine tests share: an `RPCServer` over a `MemorySource` and a
// `MemorySink`, an `exit` that records instead of ending the process, test methods, and waits
// on conditions (never sleeps). The cooperative pool may have as few threads as there are CPUs,
// so every blocking wait runs on a thread of its own (`offload`), and test methods never block.
// The streams, probes, waits and wire read-back are JSONRPCTestSupport's (the adapter's tests
// use them too); the test methods and the `Engine` below are the engine tests' own.

// MARK: - Test methods

/// A method's name as a type, so one generic method type can be registered under many names.
protocol MethodName { static var name: String { get } }

/// A method whose body is a closure; its params arrive undecoded.
struct Fn<Name: MethodName>: RPCMethod {
    typealias Params = JSONValue?
    typealias Result = JSONValue
    static var name: String { Name.name }
    let body: @Sendable (JSONValue?, RequestContext) async throws -> JSONValue
    init(_ body: @escaping @Sendable (JSONValue?, RequestContext) async throws -> JSONValue) { self.body = body }
    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> JSONValue? { params }
    func callAsFunction(_ params: JSONValue?, context: RequestContext) async throws -> JSONValue {
        try await body(params, context)
    }
}

/// Params that must be an object with an integer `x`: decoding errors are the method's -32602.
struct Strict: RPCMethod {
    static let name = "strict"
    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Int64 {
        guard let x = params?["x"]?.integerValue else { throw .invalidParams("\"x\" must be an integer.") }
        return x
    }
    static func encodeResult(_ result: Int64) -> JSONValue { .integer(result * 2) }
    func callAsFunction(_ params: Int64, context: RequestContext) async throws -> Int64 { params }
}

enum Echo: MethodName { static let name = "echo" }
enum Notify: MethodName { static let name = "notify" }
enum Sleep: MethodName { static let name = "sleep" }
enum Fail: MethodName { static let name = "fail" }
enum Crash: MethodName { static let name = "crash" }
enum ImageGenerate: MethodName { static let name = "image.generate" }
enum Progress: MethodName { static let name = "progress" }

struct TestFailure: Error, CustomStringConvertible {
    var description: String { "the test method failed" }
}

extension MethodTable {
    /// The methods most tests use:
    /// - `echo`: its params, or "absent" when there are none;
    /// - `notify` {count, size?, method?}: sends `count` notifications, then answers "done";
    /// - `sleep`: records its start in `started`, then waits until cancelled (-32800), answering
    ///   "woke" only after a minute;
    /// - `fail` {code, message}: answers that error;
    /// - `crash`: throws an error that is not an `RPCError` (-32603);
    /// - `image.generate`: answers "ok" (a name to misspell);
    /// - `progress` {count}: sends `count` progress notifications replacing one another, answers `count`;
    /// - `strict` {x}: answers 2x; other params are -32602.
    static func standard(_ started: Started = Started()) -> MethodTable {
        var t = MethodTable()
        t.add(Fn<Echo> { params, _ in params ?? "absent" })
        t.add(Fn<Notify> { params, context in
            let count = params?["count"]?.integerValue ?? 1
            let size = Int(params?["size"]?.integerValue ?? 0)
            let method = params?["method"]?.stringValue ?? "test/note"
            for i in 0..<count {
                context.notify(method, ["i": .integer(i), "of": context.id, "pad": .string(String(repeating: "n", count: size))])
            }
            return "done"
        })
        t.add(Fn<Sleep> { _, context in
            started.record(context.id)
            try await Task.sleep(for: .seconds(60))
            return "woke"
        })
        t.add(Fn<Fail> { params, _ in
            throw RPCError(ErrorCode(rawValue: Int(params?["code"]?.integerValue ?? -32000)),
                           params?["message"]?.stringValue ?? "failed")
        })
        t.add(Fn<Crash> { _, _ in throw TestFailure() })
        t.add(Fn<ImageGenerate> { _, _ in "ok" })
        t.add(Fn<Progress> { params, context in
            let count = params?["count"]?.integerValue ?? 10
            for i in 1...count {
                context.notify("test/progress", ["of": context.id, "i": .integer(i)],
                               replacing: "progress " + context.id.serializedString())
            }
            return .integer(count)
        })
        t.add(Strict())
        return t
    }
}

// MARK: - The engine under test

/// One `RPCServer` in memory. Create it, set hooks/methods, `start()`, feed, wait, `finish()`.
/// When the test lets go of it, it closes the server and its input, so the threads it started end.
final class Engine: Sendable {
    let input = MemorySource()
    let output = MemorySink()
    let exits = ExitRecorder()
    let server: RPCServer
    let probeSource: ProbeSource
    let probeSink: ProbeSink
    /// The requests whose body has begun, for the standard methods that record it.
    let started: Started
    /// The `test/tick` notifications the reader has handled.
    let ticks = Locked(0)
    /// The `test/sync` notifications the reader has handled (see `sync`).
    private let syncs = Started()
    private let syncCount = Locked(0)
    /// The framing forced at init (nil: detected from the input).
    let framing: FramingKind?

    /// `methods` defaults to `.standard(started)`; a custom table that records starts should be
    /// built with the same `started`.
    init(framing: FramingKind? = .ndjson, outputBudget: Int = 8 << 20, maxMessageBytes: Int = 1 << 20,
         redactor: Redactor? = nil, trace: TraceRecorder? = nil, started: Started = Started(), methods: MethodTable? = nil) {
        self.started = started
        self.framing = framing
        probeSource = ProbeSource(input)
        probeSink = ProbeSink(output)
        let output = self.output
        let exits = self.exits
        server = RPCServer(input: probeSource, output: probeSink,
                           options: .init(framing: framing, maxMessageBytes: maxMessageBytes, outputBudget: outputBudget),
                           logger: quietLogger, trace: trace, redactor: redactor,
                           exit: { status in exits.record(status, written: output.written) })
        var table = methods ?? .standard(started)
        let syncs = self.syncs
        table.on("test/sync") { params in syncs.record(params?["n"] ?? .null) }
        let ticks = self.ticks
        table.on("test/tick") { _ in ticks.withLock { $0 += 1 } }
        probeSource.setObserver { ticks.current }
        server.useMethods(table)
    }

    deinit {
        output.stall(false)
        // Without waiting for the threads to end: this may run on the cooperative pool.
        server.close(waiting: 0)
        input.close()
    }

    func setHooks(_ configure: (inout RPCServer.Hooks) -> Void) {
        var h = RPCServer.Hooks()
        configure(&h)
        server.setHooks(h)
    }

    func start() { server.start() }

    /// Starts the engine and returns it, for a test that sets no hooks: `let e = Engine().running()`.
    func running() -> Engine {
        start()
        return self
    }

    /// Feeds NDJSON lines.
    func send(_ lines: String...) { input.feed(lines.map { $0 + "\n" }.joined()) }
    func send(lines: [String]) { input.feed(lines.map { $0 + "\n" }.joined()) }

    var messages: [JSONValue] { Wire.messages(output.written) }
    var text: String { String(decoding: output.written, as: UTF8.self) }

    /// Waits until `predicate` holds for the messages written; records an issue on timeout.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 5, sourceLocation: SourceLocation = #_sourceLocation,
                 _ predicate: @escaping @Sendable ([JSONValue]) -> Bool) async -> [JSONValue] {
        let output = self.output
        let (ok, messages) = await offload { () -> (Bool, [JSONValue]) in
            let ok = output.wait(timeout: timeout) { predicate(Wire.messages($0)) }
            return (ok, Wire.messages(output.written))
        }
        if !ok { Issue.record("timed out waiting for \(what); output so far:\n\(text.prefix(4000))", sourceLocation: sourceLocation) }
        return messages
    }

    /// Waits for the responses to all of `ids`.
    @discardableResult
    func waitForResponses(_ ids: [JSONValue], timeout: TimeInterval = 5,
                          sourceLocation: SourceLocation = #_sourceLocation) async -> [JSONValue] {
        await waitFor("responses to \(ids)", timeout: timeout, sourceLocation: sourceLocation) { m in
            ids.allSatisfy { m.response(to: $0) != nil }
        }
    }

    /// The response to `id`, once written.
    func response(to id: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) async -> JSONValue? {
        await waitForResponses([id], sourceLocation: sourceLocation).response(to: id)
    }

    /// Waits until the body of each of these requests has begun (so they can be cancelled).
    func waitStarted(_ ids: [JSONValue], sourceLocation: SourceLocation = #_sourceLocation) async {
        if !(await started.wait(for: ids)) { Issue.record("requests \(ids) did not start", sourceLocation: sourceLocation) }
    }

    /// Waits until the reader has handled everything fed so far (so every request read is
    /// registered): a notification handled on the reader thread marks the spot. Only while the
    /// table given at init is in use.
    func sync(sourceLocation: SourceLocation = #_sourceLocation) async {
        let n = JSONValue.integer(Int64(syncCount.withLock { c -> Int in c += 1; return c }))
        let message = note("test/sync", ["n": n])
        if framing == .lsp { input.feed(lspFrame(message)) } else { send(message) }
        if !(await syncs.wait(for: [n], timeout: 20)) { Issue.record("the reader did not catch up", sourceLocation: sourceLocation) }
    }

    /// Waits until the reader has handled everything fed so far, then until no request is in
    /// flight and (with `flush`) everything queued is written.
    func settle(flush: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) async {
        await sync(sourceLocation: sourceLocation)
        let server = self.server
        await offload {
            server.inFlight.waitUntilEmpty(deadline: Deadline.after(seconds: 5))
            if flush { server.writer.flush(until: Deadline.after(seconds: 5)) }
        }
    }

    /// Sends `shutdown` with id 1 and waits for its answer, which it returns.
    @discardableResult
    func shutDown(sourceLocation: SourceLocation = #_sourceLocation) async -> JSONValue? {
        send(rpc(1, "shutdown"))
        return await response(to: 1, sourceLocation: sourceLocation)
    }

    /// Ends input and waits for the exit it causes; returns its status.
    @discardableResult
    func finish() async -> Int32? {
        output.stall(false)
        input.close()
        return await exits.wait()
    }
}

// MARK: - Hooks that record what they see

// Each of these sets the hooks afresh (`setHooks`): a test uses one of them, before `start()`.
extension Engine {
    /// An `initialize` hook that records the params of each call and answers `answer(params)`;
    /// returns what it recorded.
    @discardableResult
    func recordInitialize(answering answer: @escaping @Sendable (JSONValue?) -> JSONValue = { _ in ["ok": true] })
        -> Locked<[JSONValue?]> {
        let seen = Locked<[JSONValue?]>([])
        setHooks { h in
            h.initialize = { params in
                seen.withLock { $0.append(params) }
                return answer(params)
            }
        }
        return seen
    }

    /// An `initialize` hook that switches to `table` and answers `{}`.
    func switchTables(onInitialize table: MethodTable) {
        let server = self.server
        setHooks { h in
            h.initialize = { _ in
                server.useMethods(table)
                return [:]
            }
        }
    }

    /// A `sessionStarted` hook that records each trigger, sends `session/started` first when
    /// `announce` is set, and starts the session when `starts(trigger)`; returns the triggers.
    func recordSessionStarts(announce: Bool = false,
                             starts: @escaping @Sendable (String) -> Bool = { _ in true }) -> Locked<[String]> {
        let triggers = Locked<[String]>([])
        setHooks { h in
            h.sessionStarted = { notifier, trigger in
                triggers.withLock { $0.append(trigger) }
                if announce { notifier.notify("session/started", nil) }
                return starts(trigger)
            }
        }
        return triggers
    }

    /// A `willExit` hook that records "willExit" each time it runs.
    func recordWillExit() -> Locked<[String]> {
        let events = Locked<[String]>([])
        setHooks { h in h.willExit = { events.withLock { $0.append("willExit") } } }
        return events
    }
}
