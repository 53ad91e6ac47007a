import Diagnostics
import Foundation
import JSONValue

/// The JSON-RPC 2.0 server: reads frames, dispatches requests concurrently, enforces the LSP-style
/// lifecycle, and writes every message whole through one writer.
///
/// Threads: the reader thread owns the framer and decides everything about a message's arrival
/// (lifecycle, session start, `initialize`, inline answers); requests run as tasks; the writer
/// thread owns output. Shared state lives in `Locked` values.
public final class RPCServer: Sendable {
    /// Engine settings chosen on the command line.
    public struct Options: Sendable {
        public var framing: FramingKind?
        public var maxMessageBytes: Int
        /// Queued output past which input waits.
        public var outputBudget: Int
        /// Requests running at once past which input waits.
        public var maxInFlight: Int
        public init(framing: FramingKind? = nil, maxMessageBytes: Int = 16 << 20, outputBudget: Int = 8 << 20,
                    maxInFlight: Int = 2048) {
            self.framing = framing
            self.maxMessageBytes = maxMessageBytes
            self.outputBudget = outputBudget
            self.maxInFlight = maxInFlight
        }
    }

    /// What the application adds to the lifecycle.
    public struct Hooks: Sendable {
        /// Builds the `initialize` result from its params. Runs on the reader thread, before the
        /// next message is read, so it may switch method tables.
        public var initialize: @Sendable (JSONValue?) throws -> JSONValue = { _ in .object(JSONObject()) }
        /// Runs once: right after the `initialize` reply, or before the first request (or reply)
        /// when there was none. Gets the method that triggered it ("" for a reply to bad input);
        /// returning false defers the start to the next trigger (a protocol probe, say).
        public var sessionStarted: @Sendable (Notifier, String) -> Bool = { _, _ in true }
        /// Runs before the process ends, after output is flushed (or given up on).
        public var willExit: @Sendable () -> Void = {}
        /// Sees each request (not `initialize`) on the reader thread before anything else does:
        /// it may switch method tables for it (a request that names its own protocol) or refuse it.
        public var route: @Sendable (_ method: String, _ params: JSONValue?) -> Route = { _, _ in .proceed }
        public init() {}
    }

    /// What the route hook decided about a request.
    public enum Route: Sendable {
        case proceed
        case reject(RPCError)
    }

    let options: Options
    let logger: Logger
    let trace: TraceRecorder?
    let hooks = Locked(Hooks())
    private let input: InputReader
    let writer: OutputWriter
    /// The reader thread's own: touched nowhere else.
    private let framer: ReaderConfined<AutoFramer>
    private let outputKind: Locked<FramingKind?>
    private let table = Locked(MethodTable())
    let inFlight = InFlightTable()
    let state = Locked(Lifecycle())
    let parentWatcher = Locked<ParentWatcher?>(nil)
    let exitProcess: @Sendable (Int32) -> Void
    /// Everything outgoing passes it (the key must never reach stdout).
    private let redactor: Redactor?

    struct Lifecycle {
        var initializeSeen = false
        var shutdownRequested = false
        var sessionStarted = false
        var exiting = false
        /// Between reading `initialize` and writing its result, other output waits here.
        var held: [(bytes: [UInt8], key: String?)]?
    }

    /// `exit` ends the process (tests pass one that records the status instead).
    public init(input: any ByteSource, output: any ByteSink, options: Options, logger: Logger, trace: TraceRecorder?,
                redactor: Redactor? = nil, exit: @escaping @Sendable (Int32) -> Void = { _exit($0) }) {
        self.options = options
        self.logger = logger
        self.trace = trace
        self.redactor = redactor
        self.input = InputReader(source: input)
        writer = OutputWriter(sink: output, budget: options.outputBudget)
        framer = ReaderConfined(AutoFramer(forced: options.framing, maxMessageBytes: options.maxMessageBytes))
        outputKind = Locked(options.framing)
        exitProcess = exit
    }

    /// Sets the lifecycle hooks; call before `start`.
    public func setHooks(_ h: Hooks) { hooks.withLock { $0 = h } }

    /// The methods the client can call from now on.
    public func useMethods(_ t: MethodTable) { table.withLock { $0 = t } }

    public var methodNames: [String] { table.current.methodNames }

    public var notifier: Notifier { Notifier { [weak self] message, key in self?.send(message, replacing: key) } }

    /// Starts reading; returns at once. The process ends through `exit`, end of input or a signal.
    public func start() {
        input.start(
            mayRead: { [writer] timeout in writer.hasRoom(waiting: timeout) },
            onBytes: { [self] bytes in
                // Replies to this very chunk need the framing, so decide it before consuming.
                if outputKind.current == nil, let k = AutoFramer.detect(bytes) { outputKind.withLock { $0 = k } }
                // One chunk can hold thousands of requests: each waits for room in the output
                // budget, so answers nobody takes cannot pile up past it.
                framer.value.consume(bytes) { event in if self.admit() { self.handle(event) } }
            },
            onEnd: { [self] in
                logger.info("end of input")
                terminate(status: 0)
            })
    }

    /// Reader thread: waits while output is over its budget or too many requests are running
    /// (the reader outruns the tasks that answer); false when the client left or the process is
    /// ending meanwhile (the message is then dropped).
    private func admit() -> Bool {
        while !writer.hasRoom(waiting: 0.1) || !inFlight.hasRoom(below: options.maxInFlight, waiting: 0.1) {
            if state.current.exiting || input.hasHungUp() { return false }
        }
        return true
    }

    // MARK: Output

    /// Serializes, redacts, frames and queues one message; the writer keeps it whole. With
    /// `replacing`, a queued message with the same key that is not written yet gives way to this one.
    public func send(_ message: JSONValue, replacing key: String? = nil) {
        let frame = self.frame(message)
        let heldBack = state.withLock { s -> Bool in
            guard s.held != nil else { return false }
            s.held!.append((frame, key))
            return true
        }
        if !heldBack { writer.enqueue(frame, replacing: key) }
    }

    /// The message as it goes on the wire: serialized, redacted, framed (and traced).
    func frame(_ message: JSONValue) -> [UInt8] {
        var body = message.serialized()
        if let redactor { body = redactor.redact(body) }
        trace?.record(direction: "send", ["message": message])
        return (outputKind.current ?? .lsp).encode(body)
    }

    /// Sends a reply. Replies to bad input may be the first thing written, so they may start the
    /// session (on the reader thread only; batches started it when they arrived).
    private func reply(_ message: JSONValue, startsSession: Bool = false) {
        if startsSession { startSessionIfNeeded(trigger: "") }
        send(message)
    }

    /// Reader thread only: the hook decides whether this trigger starts the session.
    func startSessionIfNeeded(trigger: String) {
        guard !state.current.sessionStarted else { return }
        if hooks.current.sessionStarted(notifier, trigger) { state.withLock { $0.sessionStarted = true } }
    }

    // MARK: Input

    private func handle(_ event: FrameEvent) {
        switch event {
        case .message(let bytes):
            handleMessage(bytes)
        case .oversized(let length):
            trace?.record(direction: "recv", ["oversized": .integer(Int64(length))])
            reply(OutgoingMessage.error(id: .null, RPCError(.invalidRequest,
                "The message is \(length) bytes, more than the limit of \(options.maxMessageBytes) (--max-message-bytes); it was discarded.")),
                startsSession: true)
        case .malformedHeader(let reason):
            trace?.record(direction: "recv", ["malformedHeader": .string(reason)])
            reply(OutgoingMessage.error(id: .null, RPCError(.parseError,
                "The header block could not be read (\(reason)); skipping to the next Content-Length header.")), startsSession: true)
        }
    }

    private func handleMessage(_ bytes: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            trace?.recordUnparsed(bytes)
            reply(OutgoingMessage.error(id: .null, RPCError(.parseError, "The message is not valid JSON: \(error).")), startsSession: true)
            return
        }
        trace?.record(direction: "recv", ["message": value])
        if case .array(let elements) = value {
            handleBatch(elements)
            return
        }
        let message = IncomingMessage(value)
        if case .request(let id, "initialize", let params) = message {
            return initialize(id: id, params: params)
        }
        if case .request(let id, let method, let params) = message, method != "shutdown", method != "exit",
           case .reject(let error) = hooks.current.route(method, params) {
            return reply(OutgoingMessage.error(id: id, error), startsSession: true)
        }
        // Without initialize, the session starts with the first request, before its notifications.
        if case .request(_, let method, _) = message, !state.current.initializeSeen { startSessionIfNeeded(trigger: method) }
        if let immediate = answerInline(message) {
            if let response = immediate.response { reply(response, startsSession: message.methodName == nil) }
            return
        }
        guard case .request(let id, let method, _) = message else { return }
        if method == "shutdown" {
            // Not in the table: shutdown must outlive the requests it cancels.
            Task { self.send(await self.shutdown(id: id)) }
            return
        }
        inFlight.start(id: id) { isSilenced in
            let response = await self.answer(message)
            guard let response else { return nil }
            await self.writer.whenRoom { if !isSilenced() { self.send(response) } }
            return nil
        }
    }

    private func handleBatch(_ elements: [JSONValue]) {
        guard !elements.isEmpty else {
            reply(OutgoingMessage.error(id: .null, RPCError(.invalidRequest, "A batch must not be empty.")), startsSession: true)
            return
        }
        startSessionIfNeeded(trigger: "")
        var pending: [Task<JSONValue?, Never>] = []
        var ready: [JSONValue] = []
        for element in elements {
            let message = IncomingMessage(element)
            if case .request(let id, "initialize", _) = message {
                ready.append(OutgoingMessage.error(id: id, RPCError(.invalidRequest, "\"initialize\" cannot be sent in a batch.")))
                continue
            }
            if let immediate = answerInline(message) {
                if let r = immediate.response { ready.append(r) }
                continue
            }
            guard case .request(let id, _, _) = message else { continue }
            pending.append(inFlight.start(id: id) { _ in await self.answer(message) })
        }
        if pending.isEmpty {
            if !ready.isEmpty { send(.array(ready)) }
            return
        }
        Task {
            var all = ready
            for t in pending { if let r = await t.value { all.append(r) } }
            if !all.isEmpty { await self.writer.whenRoom { self.send(.array(all)) } }
        }
    }

    private struct Immediate { var response: JSONValue? }

    /// Handles on the reader thread whatever needs no task: invalid messages, notifications,
    /// unknown methods, and requests refused by the lifecycle. Nil means "run it as a task".
    private func answerInline(_ message: IncomingMessage) -> Immediate? {
        switch message {
        case .invalid(let id, let error):
            return Immediate(response: OutgoingMessage.error(id: id, error))
        case .response:
            return Immediate(response: nil)
        case .notification(let method, let params):
            handleNotification(method, params)
            return Immediate(response: nil)
        case .request(let id, let method, _):
            if method == "exit" {
                handleNotification("exit", nil)
                return Immediate(response: nil)
            }
            if state.current.shutdownRequested {
                return Immediate(response: OutgoingMessage.error(id: id, RPCError(.invalidRequest,
                    "The server is shutting down: only \"exit\" is accepted after \"shutdown\".")))
            }
            if method == "shutdown" { return nil }
            let methods = table.current.requests
            if methods[method] == nil {
                return Immediate(response: OutgoingMessage.error(id: id, RPCError(.methodNotFound,
                    "There is no method named \"\(method)\"\(Suggestion.hint(for: method, among: methods.keys)).")))
            }
            return nil
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        if method == "exit" {
            let status: Int32 = state.current.shutdownRequested ? 0 : 1
            return end(status: status)
        }
        // Faces bring their own (cancellation, say); unknown notifications are ignored.
        table.current.notifications[method]?(params)
    }

    /// Stops the named request; `silently` means it must send no response at all (a protocol
    /// whose cancellation expects none).
    public func cancelRequest(id: JSONValue, silently: Bool = false) {
        inFlight.cancel(id: id, silently: silently)
    }

    /// Runs a request that needs a task and returns its reply.
    private func answer(_ message: IncomingMessage) async -> JSONValue? {
        guard case .request(let id, let method, let params) = message else { return nil }
        guard let run = table.current.requests[method]?.run else {
            return OutgoingMessage.error(id: id, RPCError(.methodNotFound, "There is no method named \"\(method)\"."))
        }
        do {
            return OutgoingMessage.result(id: id, try await run(params, RequestContext(id: id, notifier: notifier)))
        } catch let error as RPCError {
            return OutgoingMessage.error(id: id, error)
        } catch is CancellationError {
            return OutgoingMessage.error(id: id, .cancelled)
        } catch {
            if Task.isCancelled { return OutgoingMessage.error(id: id, .cancelled) }
            logger.error("internal error in \(method): \(error)")
            return OutgoingMessage.error(id: id, RPCError(.internalError, "Internal error: \(error)"))
        }
    }
}

/// A value only one thread ever touches (documented where it is declared), so it needs no lock.
final class ReaderConfined<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
