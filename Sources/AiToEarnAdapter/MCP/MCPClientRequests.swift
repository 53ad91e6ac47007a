import Diagnostics
import JSONRPC
import JSONValue

/// Requests this server sends the client (a legacy session's `elicitation/create`), each waiting
/// for its reply. A reply nobody waits for is ignored; a caller cancelled while it waits gets nil.
final class MCPClientRequests: Sendable {
    private struct State {
        var next = 0
        var waiting: [String: CheckedContinuation<JSONValue?, Never>] = [:]
    }
    private let state = Locked(State())
    private let notifier: @Sendable () -> Notifier

    init(notifier: @escaping @Sendable () -> Notifier) { self.notifier = notifier }

    /// Sends `method` and returns the reply's `result`; nil for an error reply or a cancelled wait.
    func ask(_ method: String, _ params: JSONValue) async -> JSONValue? {
        // Our own ids, never confused with the client's: a string the client never sends us.
        let id = state.withLock { s -> String in s.next += 1; return "aitoearn-rpc-\(s.next)" }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<JSONValue?, Never>) in
                let cancelled = Task.isCancelled
                if !cancelled { state.withLock { $0.waiting[id] = c } }
                if cancelled { c.resume(returning: nil); return }
                notifier().send(.object(["jsonrpc": "2.0", "id": .string(id), "method": .string(method), "params": params]))
            }
        } onCancel: {
            resume(id, with: nil)
        }
    }

    /// A reply from the client (the engine's response hook).
    func receive(_ message: JSONValue) {
        guard let id = message["id"]?.stringValue else { return }
        resume(id, with: message["error"] == nil ? message["result"] : nil)
    }

    private func resume(_ id: String, with value: JSONValue?) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: value)
    }
}
