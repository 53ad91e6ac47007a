import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import JSONValue

/// The JSON-RPC 2.0 server: reads frames, dispatches requests concurrently, enforces the LSP-style
/// lifecycle, and writes every message whole through one writer.
///
/// Threads: the reader thread owns the framer and decides everything about a message's arrival
/// (lifecycle, session start, `initialize`, inline answers); requests run as tasks; the writer
/// thread owns output. Shared state lives in `Locked` values.
package final class RPCServer: Sendable {
    /// Engine settings chosen on the command line.
    package struct Options: Sendable {
        package var framing: FramingKind?
        package var maxMessageBytes: Int
        /// Queued output past which input waits.
        package var outputBudget: Int
        /// Requests running at once past which input waits.
        package var maxInFlight: Int
        package init(framing: FramingKind? = nil, maxMessageBytes: Int = 16 << 20, outputBudget: Int = 8 << 20,
                    maxInFlight: Int = 2048) {
            self.framing = framing
            self.maxMessageBytes = maxMessageBytes
            self.outputBudget = outputBudget
            self.maxInFlight = maxInFlight
        }
    }

    /// What the application adds to the lifecycle.
    package struct Hooks: Sendable {
        /// Builds the `initialize` result from its params. Runs on the reader thread, before the
        /// next message is read, so it may switch method tables.
        package var initialize: @Sendable (JSONValue?) throws -> JSONValue = { _ in .object(JSONObject()) }
        /// Runs once: right after the `initialize` reply, or before the first request (or reply)
        /// when there was none. Gets the method that triggered it ("" for a reply to bad input);
        /// returning false defers the start to the next trigger (a protocol probe, say).
        package var sessionStarted: @Sendable (Notifier, String) -> Bool = { _, _ in true }
        /// Runs before the process ends, after output is flushed (or given up on).
        package var willExit: @Sendable () -> Void = {}
        /// Sees each request (not `initialize`) on the reader thread before anything else does:
        /// it may switch method tables for it (a request that names its own protocol) or refuse it.
        package var route: @Sendable (_ method: String, _ params: JSONValue?) -> Route = { _, _ in .proceed }
        /// Sees each reply to a request the application sent the client (`Notifier.send`), whole,
        /// on the reader thread. Replies nobody waits for are the application's to ignore.
        package var response: @Sendable (JSONValue) -> Void = { _ in }
        package init() {}
    }

    /// What the route hook decided about a request.
    package enum Route: Sendable {
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
    /// The reader thread's own: -32601 messages by method name (cleared when the table changes).
    private let notFoundMessages: ReaderConfined<[String: (generation: Int, message: String)]>
    /// The reader thread's own: the client hung up while input waited for room.
    private let clientGone: ReaderConfined<Bool>
    /// The thread all of the above belongs to, and everything documented "reader thread".
    var readerThread: ThreadOwner { input.thread }
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
        /// Signalled once `shutdown`'s reply is queued: an `exit` right behind it waits for it.
        var shutdownAnswered: DispatchSemaphore?
        /// Between reading `initialize` and writing its result, other output waits here.
        var held: [(bytes: [UInt8], key: String?)]?
    }

    /// `exit` ends the process (tests pass one that records the status instead).
    package init(input: any ByteSource, output: any ByteSink, options: Options, logger: Logger, trace: TraceRecorder?,
                redactor: Redactor? = nil, exit: @escaping @Sendable (Int32) -> Void = { _exit($0) }) {
        self.options = options
        self.logger = logger
        self.trace = trace
        self.redactor = redactor
        self.input = InputReader(source: input)
        writer = OutputWriter(sink: output, budget: options.outputBudget)
        framer = ReaderConfined(AutoFramer(forced: options.framing, maxMessageBytes: options.maxMessageBytes), owner: self.input.thread)
        notFoundMessages = ReaderConfined([:], owner: self.input.thread)
        clientGone = ReaderConfined(false, owner: self.input.thread)
        outputKind = Locked(options.framing)
        exitProcess = exit
    }

    /// Sets the lifecycle hooks; call before `start`.
    package func setHooks(_ h: Hooks) { hooks.withLock { $0 = h } }

    /// The methods the client can call from now on.
    package func useMethods(_ t: MethodTable) {
        table.withLock {
            $0 = t
            $0.generation = Self.nextGeneration.withLock { g in g += 1; return g }
        }
    }

    private static let nextGeneration = Locked(0)

    package var methodNames: [String] { table.current.methodNames }

    package var notifier: Notifier { Notifier { [weak self] message, key in self?.send(message, replacing: key) } }

    /// Starts reading; returns at once. The process ends through `exit`, end of input or a signal.
    package func start() {
        input.start(
            mayRead: { [writer] timeout in writer.hasRoom(waiting: timeout) },
            onBytes: { [self] bytes in
                // Replies to this very chunk need the framing, so decide it before consuming.
                if outputKind.current == nil, let k = AutoFramer.detect(bytes) { outputKind.withLock { $0 = k } }
                // One chunk can hold thousands of requests: each waits for room in the output
                // budget, so answers nobody takes cannot pile up past it.
                // Replies made meanwhile are left to the writer thread, which writes them together.
                writer.coalescing {
                    framer.modify { $0.consume(bytes) { event in if self.admit() { self.handle(event) } } }
                }
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
        readerThread.assertIsCurrent("admitting a message")
        while true {
            if clientGone.value || state.current.exiting { return false }
            if writer.hasRoom(waiting: 0) && inFlight.hasRoom(below: options.maxInFlight, waiting: 0) { return true }
            if input.hasHungUp() {
                clientGone.value = true
                return false
            }
            _ = writer.hasRoom(waiting: 0.1) && inFlight.hasRoom(below: options.maxInFlight, waiting: 0.1)
        }
    }

    // MARK: Output

    /// Serializes, redacts, frames and queues one message; the writer keeps it whole. With
    /// `replacing`, a queued message with the same key that is not written yet gives way to this one.
    package func send(_ message: JSONValue, replacing key: String? = nil) {
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
        if startsSession {
            readerThread.assertIsCurrent("a reply that may start the session")
            startSessionIfNeeded(trigger: "")
        }
        send(message)
    }

    /// Reader thread only: the hook decides whether this trigger starts the session.
    func startSessionIfNeeded(trigger: String) {
        readerThread.assertIsCurrent("starting the session")
        guard !state.current.sessionStarted else { return }
        if hooks.current.sessionStarted(notifier, trigger) { state.withLock { $0.sessionStarted = true } }
    }

    // MARK: Input

    /// Reader thread: one framed message (or what went wrong framing it), in the order read.
    private func handle(_ event: FrameEvent) {
        readerThread.assertIsCurrent("handling a message")
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
        if case .response = message { hooks.current.response(value) }
        if case .request(let id, "initialize", let params) = message {
            return initialize(id: id, params: params)
        }
        if let refusal = routeRefusal(message) { return reply(refusal, startsSession: true) }
        // Without initialize, the session starts with the first request, before its notifications.
        if case .request(_, let method, _) = message, !state.current.initializeSeen { startSessionIfNeeded(trigger: method) }
        switch dispatch(message) {
        case .answered(let response):
            if let response { reply(response, startsSession: message.methodName == nil) }
        case .shutdown(let id):
            // Not in the table: shutdown must outlive the requests it cancels. The state changed
            // here, on the reader thread, so whatever is read after it sees the shutdown.
            let answered = DispatchSemaphore(value: 0)
            state.withLock { $0.shutdownAnswered = answered }
            Task {
                self.send(await self.shutdown(id: id))
                answered.signal()
            }
        case .run(let id, let params, let method, let run):
            inFlight.start(id: id) { isSilenced in
                let response = await self.answer(id: id, method: method, params: params, run: run)
                await self.writer.whenRoom { if !isSilenced() { self.send(response) } }
                return nil
            }
        }
    }

    /// Reader thread: the route hook's refusal of a request, if any.
    private func routeRefusal(_ message: IncomingMessage) -> JSONValue? {
        readerThread.assertIsCurrent("the route hook")
        guard case .request(let id, let method, let params) = message, method != "shutdown", method != "exit",
              case .reject(let error) = hooks.current.route(method, params) else { return nil }
        return OutgoingMessage.error(id: id, error)
    }

    /// Reader thread: a batch, dispatched element by element like single messages.
    private func handleBatch(_ elements: [JSONValue]) {
        readerThread.assertIsCurrent("handling a batch")
        guard !elements.isEmpty else {
            reply(OutgoingMessage.error(id: .null, RPCError(.invalidRequest, "A batch must not be empty.")), startsSession: true)
            return
        }
        startSessionIfNeeded(trigger: "")
        var pending: [Task<JSONValue?, Never>] = []
        var ready: [JSONValue] = []
        for element in elements {
            let message = IncomingMessage(element)
            if case .response = message { hooks.current.response(element) }
            if case .request(let id, let method, _) = message, method == "initialize" || method == "shutdown" {
                ready.append(OutgoingMessage.error(id: id, RPCError(.invalidRequest, "\"\(method)\" cannot be sent in a batch.")))
                continue
            }
            if let refusal = routeRefusal(message) {
                ready.append(refusal)
                continue
            }
            switch dispatch(message) {
            case .answered(let response):
                if let response { ready.append(response) }
            case .shutdown:
                break
            case .run(let id, let params, let method, let run):
                pending.append(inFlight.start(id: id) { _ in await self.answer(id: id, method: method, params: params, run: run) })
            }
        }
        if pending.isEmpty {
            if !ready.isEmpty { send(.array(ready)) }
            return
        }
        // Tracked like a request, so shutdown's null never goes out before the batch's answers.
        let (answered, running) = (ready, pending)
        inFlight.startUnnamed {
            var all = answered
            for t in running { if let r = await t.value { all.append(r) } }
            if !all.isEmpty { await self.writer.whenRoom { self.send(.array(all)) } }
        }
    }

    /// What the reader thread decided about a message.
    private enum Dispatch {
        /// Answered on the spot (or nothing to answer).
        case answered(JSONValue?)
        case shutdown(id: JSONValue)
        /// To run as a task, with the method as the table had it when the request was read.
        case run(id: JSONValue, params: JSONValue?, method: String, RegisteredMethod)
    }

    /// Reader thread: handles whatever needs no task (invalid messages, notifications, unknown
    /// methods, requests refused by the lifecycle) and picks the method for the rest, so a table
    /// switched later does not change what an accepted request runs.
    private func dispatch(_ message: IncomingMessage) -> Dispatch {
        readerThread.assertIsCurrent("dispatching a message")
        switch message {
        case .invalid(let id, let error):
            return .answered(OutgoingMessage.error(id: id, error))
        case .response:
            return .answered(nil)
        case .notification(let method, let params):
            handleNotification(method, params)
            return .answered(nil)
        case .request(let id, let method, let params):
            if method == "exit" {
                handleNotification("exit", nil)
                return .answered(nil)
            }
            let refused = state.withLock { s -> Bool in
                defer { if method == "shutdown" { s.shutdownRequested = true } }
                return s.shutdownRequested
            }
            if refused {
                return .answered(OutgoingMessage.error(id: id, RPCError.shuttingDown))
            }
            if method == "shutdown" { return .shutdown(id: id) }
            let current = table.current
            guard let registered = current.requests[method] else {
                return .answered(OutgoingMessage.error(id: id, RPCError(.methodNotFound, notFoundMessage(method, in: current))))
            }
            return .run(id: id, params: params, method: method, registered)
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        if method == "exit" { return exit() }
        // Faces bring their own (cancellation, say); unknown notifications are ignored.
        table.current.notifications[method]?(params)
    }

    /// Reader thread: the -32601 message, its "did you mean" worked out once per name (a client
    /// that repeats an unknown method should not pay an edit distance each time).
    private func notFoundMessage(_ method: String, in table: MethodTable) -> String {
        readerThread.assertIsCurrent("the -32601 message cache")
        if let known = notFoundMessages.value[method], known.generation == table.generation { return known.message }
        let message = "There is no method named \"\(method)\"\(Suggestion.hint(for: method, among: table.requests.keys))."
        notFoundMessages.modify { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[method] = (table.generation, message)
        }
        return message
    }

    /// Stops the named request; `silently` means it must send no response at all (a protocol
    /// whose cancellation expects none).
    package func cancelRequest(id: JSONValue, silently: Bool = false) {
        inFlight.cancel(id: id, silently: silently)
    }

    /// Runs a request that needs a task and returns its reply.
    private func answer(id: JSONValue, method: String, params: JSONValue?, run: RegisteredMethod) async -> JSONValue {
        do {
            return OutgoingMessage.result(id: id, try await run.run(params, RequestContext(id: id, notifier: notifier)))
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
