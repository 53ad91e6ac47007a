import Diagnostics
import Foundation
import JSONValue

/// The JSON-RPC 2.0 server: reads frames, dispatches requests concurrently, enforces the LSP-style
/// lifecycle, and writes every message whole through one writer.
public final class RPCServer: @unchecked Sendable {
    /// Engine settings chosen on the command line.
    public struct Options: Sendable {
        public var framing: FramingKind?
        public var maxMessageBytes: Int
        public init(framing: FramingKind? = nil, maxMessageBytes: Int = 16 << 20) {
            self.framing = framing
            self.maxMessageBytes = maxMessageBytes
        }
    }

    /// What the application adds to the lifecycle.
    public struct Hooks: Sendable {
        /// Builds the `initialize` result from its params.
        public var initialize: @Sendable (JSONValue?) async throws -> JSONValue = { _ in .object(JSONObject()) }
        /// Runs once: right after the `initialize` reply, or before the first request (or reply)
        /// when there was none. Gets the method that triggered it ("" for a reply to bad input);
        /// returning false defers the start to the next trigger (a protocol probe, say).
        public var sessionStarted: @Sendable (Notifier, String) -> Bool = { _, _ in true }
        /// Runs before the process ends, after output is flushed.
        public var willExit: @Sendable () -> Void = {}
        public init() {}
    }

    let options: Options
    let logger: Logger
    let trace: TraceRecorder?
    public var hooks = Hooks()

    private let input: InputReader
    private let writer: OutputWriter
    private var framer: AutoFramer  // touched by the reader thread only
    private let outputKind: Locked<FramingKind?>
    private var methods: [String: RegisteredMethod] = [:]
    private let inFlight = InFlightTable()
    private let state = Locked(Lifecycle())
    private let startLock = NSLock()
    private var parentWatcher: ParentWatcher?

    struct Lifecycle {
        var initializeSeen = false
        var shutdownRequested = false
        var sessionStarted = false
        var exiting = false
    }

    public init(inputFD: Int32, outputFD: Int32, options: Options, logger: Logger, trace: TraceRecorder?) {
        self.options = options
        self.logger = logger
        self.trace = trace
        input = InputReader(fd: inputFD)
        writer = OutputWriter(fd: outputFD)
        framer = AutoFramer(forced: options.framing, maxMessageBytes: options.maxMessageBytes)
        outputKind = Locked(options.framing)
    }

    /// Adds a method to the table; call before `start`.
    public func register<M: RPCMethod>(_ method: M) {
        methods[M.name] = RegisteredMethod(method)
    }

    public var methodNames: [String] { methods.keys.sorted() }

    public var notifier: Notifier { Notifier { [weak self] in self?.send($0) } }

    /// Starts reading; returns at once. The process ends through `exit`, end of input or a signal.
    public func start() {
        input.start(
            onBytes: { [self] bytes in
                // Replies to this very chunk need the framing, so decide it before consuming.
                if outputKind.current == nil, let k = AutoFramer.detect(bytes) { outputKind.withLock { $0 = k } }
                framer.consume(bytes) { event in self.handle(event) }
            },
            onEnd: { [self] in
                logger.info("end of input")
                terminate(status: 0)
            })
    }

    // MARK: Output

    /// Serializes, frames and queues one message; the writer keeps it whole.
    public func send(_ message: JSONValue) {
        let body = message.serialized()
        trace?.record(direction: "send", ["message": message])
        writer.enqueue((outputKind.current ?? .lsp).encode(body))
    }

    /// Sends a reply. Replies to bad input may be the first thing written, so they may start the
    /// session; requests started it (or not) when they arrived; `initialize` starts it after its reply.
    private func reply(_ message: JSONValue, to request: String? = nil) {
        if request == nil { startSessionIfNeeded(trigger: "") }
        send(message)
        if request == "initialize" { startSessionIfNeeded(trigger: "initialize") }
    }

    private func startSessionIfNeeded(trigger: String) {
        // Serialized: the hook decides whether this trigger starts the session.
        startLock.lock()
        defer { startLock.unlock() }
        guard !state.current.sessionStarted else { return }
        if hooks.sessionStarted(notifier, trigger) { state.withLock { $0.sessionStarted = true } }
    }

    // MARK: Input

    private func handle(_ event: FrameEvent) {
        switch event {
        case .message(let bytes):
            handleMessage(bytes)
        case .oversized(let length):
            trace?.record(direction: "recv", ["oversized": .integer(Int64(length))])
            reply(OutgoingMessage.error(id: .null, RPCError(.invalidRequest,
                "The message is \(length) bytes, more than the limit of \(options.maxMessageBytes) (--max-message-bytes); it was discarded.")))
        case .malformedHeader(let reason):
            trace?.record(direction: "recv", ["malformedHeader": .string(reason)])
            reply(OutgoingMessage.error(id: .null, RPCError(.parseError,
                "The header block could not be read (\(reason)); skipping to the next Content-Length header.")))
        }
    }

    private func handleMessage(_ bytes: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            trace?.record(direction: "recv", ["raw": .string(String(decoding: bytes.prefix(4096), as: UTF8.self))])
            reply(OutgoingMessage.error(id: .null, RPCError(.parseError, "The message is not valid JSON: \(error).")))
            return
        }
        trace?.record(direction: "recv", ["message": value])
        if case .array(let elements) = value {
            handleBatch(elements)
            return
        }
        let message = IncomingMessage(value)
        // Without initialize, the session starts with the first request, before its notifications.
        if case .request(_, let method, _) = message, method != "initialize" { startSessionIfNeeded(trigger: method) }
        if let immediate = answerInline(message) {
            if let response = immediate.response { reply(response, to: message.methodName) }
            return
        }
        guard case .request(let id, let method, _) = message else { return }
        if message.methodName == "shutdown" {
            // Not in the table: shutdown must outlive the requests it cancels.
            Task { self.reply(await self.answer(message)!, to: method) }
            return
        }
        inFlight.start(id: id) { isSilenced in
            let response = await self.answer(message)
            if let response, !isSilenced() { self.reply(response, to: method) }
            return nil
        }
    }

    private func handleBatch(_ elements: [JSONValue]) {
        guard !elements.isEmpty else {
            reply(OutgoingMessage.error(id: .null, RPCError(.invalidRequest, "A batch must not be empty.")))
            return
        }
        startSessionIfNeeded(trigger: "")
        var pending: [Task<JSONValue?, Never>] = []
        var ready: [JSONValue] = []
        for element in elements {
            let message = IncomingMessage(element)
            if let immediate = answerInline(message) {
                if let r = immediate.response { ready.append(r) }
                continue
            }
            guard case .request(let id, _, _) = message else { continue }
            pending.append(inFlight.start(id: id) { _ in await self.answer(message) })
        }
        if pending.isEmpty {
            if !ready.isEmpty { reply(.array(ready)) }
            return
        }
        Task {
            var all = ready
            for t in pending { if let r = await t.value { all.append(r) } }
            if !all.isEmpty { self.reply(.array(all)) }
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
            let s = state.current
            if method == "exit" {
                handleNotification("exit", nil)
                return Immediate(response: nil)
            }
            if s.shutdownRequested {
                return Immediate(response: OutgoingMessage.error(id: id, RPCError(.invalidRequest,
                    "The server is shutting down: after \"shutdown\" only \"exit\" is accepted.")))
            }
            if method == "initialize" {
                let again = state.withLock { s -> Bool in
                    defer { s.initializeSeen = true }
                    return s.initializeSeen
                }
                if again {
                    return Immediate(response: OutgoingMessage.error(id: id, RPCError(.invalidRequest,
                        "The server is already initialized: \"initialize\" may be sent once.")))
                }
                return nil
            }
            if method == "shutdown" {
                state.withLock { $0.shutdownRequested = true }
                return nil
            }
            if methods[method] == nil {
                return Immediate(response: OutgoingMessage.error(id: id, RPCError(.methodNotFound,
                    "There is no method named \"\(method)\"\(Suggestion.hint(for: method, among: methods.keys)).")))
            }
            return nil
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "$/cancelRequest":
            if let id = params?["id"] { inFlight.cancel(id: id) }
        case "notifications/cancelled":
            // MCP's cancellation: the request stops and sends no response.
            if let id = params?["requestId"] { inFlight.cancel(id: id, silently: true) }
        case "exit":
            let status: Int32 = state.current.shutdownRequested ? 0 : 1
            exitProcess(status: status)
        default:
            // `initialized` and unknown notifications: nothing to do.
            break
        }
    }

    /// Runs a request that needs a task and returns its reply.
    private func answer(_ message: IncomingMessage) async -> JSONValue? {
        guard case .request(let id, let method, let params) = message else { return nil }
        do {
            let result: JSONValue
            switch method {
            case "initialize":
                if let pid = params?["processId"]?.integerValue, pid > 0 { watchParent(pid: Int32(clamping: pid)) }
                result = try await hooks.initialize(params)
            case "shutdown":
                for t in inFlight.cancelAll() { _ = await t.value }
                result = .null
            default:
                let context = RequestContext(id: id, notifier: notifier)
                result = try await methods[method]!.run(params, context)
            }
            return OutgoingMessage.result(id: id, result)
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

    // MARK: Ending

    private func watchParent(pid: Int32) {
        parentWatcher = ParentWatcher(pid: pid) { [self] in
            logger.info("the parent process \(pid) is gone; exiting")
            terminate(status: 0)
        }
    }

    /// End of input, a signal, or the parent gone: stop work, let cancelled requests answer briefly,
    /// flush, and exit well within a second.
    public func terminate(status: Int32) {
        guard state.withLock({ s -> Bool in defer { s.exiting = true }; return !s.exiting }) else { return }
        _ = inFlight.cancelAll()
        inFlight.waitUntilEmpty(deadline: Date(timeIntervalSinceNow: 0.4))
        exitProcess(status: status)
    }

    private func exitProcess(status: Int32) {
        writer.flush()
        hooks.willExit()
        _exit(status)
    }
}

extension IncomingMessage {
    var methodName: String? {
        switch self {
        case .request(_, let m, _), .notification(let m, _): return m
        default: return nil
        }
    }
}
