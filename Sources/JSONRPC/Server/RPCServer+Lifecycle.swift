import Diagnostics
import Dispatch
import JSONValue

/// The LSP-style lifecycle: `initialize` (optional), `shutdown`, `exit`, and the other ways out.
extension RPCServer {
    /// Reader thread: answers `initialize` before the next message is read, so whatever the hook
    /// decides (the face, its methods) holds for everything after it. Nothing else is written
    /// between reading it and writing its result.
    func initialize(id: JSONValue, params: JSONValue?) {
        readerThread.assertIsCurrent("initialize")
        let again = state.withLock { s -> Bool in
            defer { s.initializeSeen = true }
            return s.initializeSeen
        }
        if again {
            return send(OutgoingMessage.error(id: id, RPCError(.invalidRequest,
                "The server is already initialized: \"initialize\" may be sent once.")))
        }
        if state.current.shutdownRequested {
            return send(OutgoingMessage.error(id: id, RPCError.shuttingDown))
        }
        state.withLock { $0.held = [] }
        let response: JSONValue
        do {
            if let pid = params?["processId"]?.integerValue, pid > 0 { watchParent(pid: Int32(clamping: pid)) }
            response = OutgoingMessage.result(id: id, try hooks.current.initialize(params))
        } catch let error as RPCError {
            response = OutgoingMessage.error(id: id, error)
        } catch {
            response = OutgoingMessage.error(id: id, RPCError(.internalError, "Internal error: \(error)"))
        }
        let first = frame(response)
        // Under the state lock, so no other message can slip in between.
        state.withLock { s in
            writer.enqueue(first)
            for held in s.held ?? [] { writer.enqueue(held.bytes, replacing: held.key) }
            s.held = nil
        }
        startSessionIfNeeded(trigger: "initialize")
    }

    /// Cancels every request in flight (each answers -32800 first), then answers `null`.
    func shutdown(id: JSONValue) async -> JSONValue {
        for t in inFlight.cancelAll() { _ = await t.value }
        return OutgoingMessage.result(id: id, .null)
    }

    private func watchParent(pid: Int32) {
        let watcher = ParentWatcher(pid: pid) { [self] in
            logger.info("the parent process \(pid) is gone; exiting")
            terminate(status: 0)
        }
        // A watcher started while the server closes is stopped at once (`close` marks the
        // server exiting before it stops the watcher it finds).
        parentWatcher.withLock { w in
            if state.current.exiting { return watcher.stop() }
            w = watcher
        }
    }

    /// End of input, a signal, or the parent gone: stop work, let cancelled requests answer briefly,
    /// flush what can be, and exit well within a second.
    package func terminate(status: Int32) {
        guard state.withLock({ s -> Bool in defer { s.exiting = true }; return !s.exiting }) else { return }
        _ = inFlight.cancelAll()
        inFlight.waitUntilEmpty(deadline: Deadline.after(seconds: 0.4))
        end(status: status)
    }

    /// `exit`: whatever was asked before it is answered first (briefly: the process still ends
    /// within a second). After `shutdown`, its reply (written after every -32800 it caused);
    /// without one, requests still running are cancelled and their -32800s written.
    func exit() {
        let (shutdown, answered) = state.withLock { ($0.shutdownRequested, $0.shutdownAnswered) }
        if let answered { _ = answered.wait(timeout: .now() + 0.5) }
        if !shutdown {
            _ = inFlight.cancelAll()
            inFlight.waitUntilEmpty(deadline: Deadline.after(seconds: 0.4))
        }
        end(status: shutdown ? 0 : 1)
    }

    /// Ends what this server started without ending the process (tests, an engine embedded in a
    /// longer-lived one): requests are cancelled, the parent watcher and the writer thread stop,
    /// nothing more is written, and neither this nor a later end of input calls `exit`. The
    /// reader thread ends with its input (close the source). Returns whether the writer thread
    /// has ended within `timeout` (false: a write is blocked on a client that does not read; the
    /// thread ends as soon as that write returns). Closing again waits again.
    @discardableResult
    package func close(waiting timeout: Double = 5) -> Bool {
        state.withLock { $0.exiting = true }
        _ = inFlight.cancelAll()
        parentWatcher.withLock { w in
            w?.stop()
            w = nil
        }
        return writer.stop(waiting: timeout)
    }

    /// Flushes (giving up on a client that does not read), runs the exit hook, ends.
    func end(status: Int32) {
        state.withLock { $0.exiting = true }
        writer.flush(until: Deadline.after(seconds: 0.3))
        hooks.current.willExit()
        exitProcess(status)
    }
}

extension RPCError {
    /// The answer to every request after `shutdown` but `exit`.
    static let shuttingDown = RPCError(.invalidRequest, "The server is shutting down: only \"exit\" is accepted after \"shutdown\".")
}
