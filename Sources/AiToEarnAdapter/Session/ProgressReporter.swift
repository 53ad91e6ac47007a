import AiToEarnCore
import Diagnostics
import JSONRPC
import JSONValue

/// Turns the core's job events into `task.progress` and, with a token, LSP `$/progress` notifications.
/// Everything goes through the request's notifier, so it is written before the request's response.
final class ProgressReporter: Sendable {
    private let context: RequestContext
    private let token: JSONValue?
    private let title: String
    private let begun = Locked(false)

    init(context: RequestContext, token: JSONValue?, title: String) {
        self.context = context
        self.token = token
        self.title = title
    }

    /// LSP's begin comes with the submission (or, resuming a job, with the first poll).
    private func beginOnce(_ message: String) {
        let first = begun.withLock { b -> Bool in defer { b = true }; return !b }
        if first { workDone(["kind": "begin", "title": .string(title), "cancellable": true, "message": .string(message)]) }
    }

    func event(_ e: JobEvent) {
        let (logId, status, poll, elapsed, video): (String, String, Int, Int64, Bool)
        switch e {
        case .submitted(let l, let s, let ms, let v): (logId, status, poll, elapsed, video) = (l, s, 0, ms, v)
        case .polled(let l, let s, let p, let ms, let v): (logId, status, poll, elapsed, video) = (l, s, p, ms, v)
        }
        var params: JSONObject = [
            "requestId": context.id, video ? "taskId" : "logId": .string(logId), "status": .string(status),
            "poll": .integer(Int64(poll)), "elapsedMs": .integer(elapsed),
        ]
        if video { params["kind"] = "video" }
        // Under back-pressure only the latest progress of a request is worth writing.
        context.notify("task.progress", .object(params), replacing: "task.progress " + context.id.serializedString())
        // The `$/progress` messages exist only for a token: without one, not even their text is made.
        guard token != nil else { return }
        if poll == 0 {
            beginOnce("submitted \(logId)")
        } else {
            beginOnce("following \(logId)")
            workDone(["kind": "report", "message": .string("\(status) · \(elapsed / 1000) s (poll \(poll))")])
        }
    }

    /// Ends the progress, whatever ended the request; nothing when it never began.
    func end(_ message: String) {
        if begun.current { workDone(["kind": "end", "message": .string(message)]) }
    }

    private func workDone(_ value: JSONObject) {
        guard let token else { return }
        let key = value["kind"] == "report" ? "$/progress report " + token.serializedString() : nil
        context.notify("$/progress", .object(["token": token, "value": .object(value)]), replacing: key)
    }
}
