import AiToEarnCore
import JSONRPC
import JSONValue

/// Turns the core's job events into `task.progress` and, with a token, LSP `$/progress` notifications.
/// Everything goes through the request's notifier, so it is written before the request's response.
final class ProgressReporter: Sendable {
    private let context: RequestContext
    private let token: JSONValue?
    private let title: String

    init(context: RequestContext, token: JSONValue?, title: String) {
        self.context = context
        self.token = token
        self.title = title
    }

    func begin(_ message: String) {
        workDone(["kind": "begin", "title": .string(title), "cancellable": true, "message": .string(message)])
    }

    func event(_ e: JobEvent) {
        let (logId, status, poll, elapsed): (String, String, Int, Int64)
        switch e {
        case .submitted(let l, let s, let ms): (logId, status, poll, elapsed) = (l, s, 0, ms)
        case .polled(let l, let s, let p, let ms): (logId, status, poll, elapsed) = (l, s, p, ms)
        }
        context.notify("task.progress", .object([
            "requestId": context.id, "logId": .string(logId), "status": .string(status),
            "poll": .integer(Int64(poll)), "elapsedMs": .integer(elapsed),
        ]))
        let text = poll == 0 ? "submitted \(logId)" : "\(status) · \(elapsed / 1000) s (poll \(poll))"
        workDone(["kind": "report", "message": .string(text)])
    }

    func end(_ message: String) {
        workDone(["kind": "end", "message": .string(message)])
    }

    private func workDone(_ value: JSONObject) {
        guard let token else { return }
        context.notify("$/progress", .object(["token": token, "value": .object(value)]))
    }

    /// Reads an LSP progress token: a string or an integer.
    static func readToken(_ r: inout FieldReader) -> JSONValue? {
        guard let v = r.value("workDoneToken") else { return nil }
        switch v {
        case .string, .integer: return v
        default:
            r.fail("workDoneToken", "must be a string or an integer, not \(v.typeName)")
            return nil
        }
    }
}
