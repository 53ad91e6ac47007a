import AiToEarnCore
import Diagnostics
import JSONValue

/// What one tool call reports while it runs: MCP `notifications/progress` for a call that carried
/// `_meta.progressToken` (strictly increasing progress, no total, a readable message), and its log
/// messages (session-wide level for 2025-11-25 and earlier clients, the request's own level for 2026-07-28 ones).
final class MCPProgress: Sendable {
    private let token: JSONValue?
    private let state: MCPState
    private let count = Locked(0)
    /// Each progress message, with the job's logId.
    private let onMessage: @Sendable (String, String) -> Void
    /// `notifications/message` for this call: `(level, text)`.
    let log: @Sendable (String, String) -> Void

    init(token: JSONValue?, state: MCPState, log: (@Sendable (String, String) -> Void)? = nil,
         onMessage: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        self.token = token
        self.state = state
        self.log = log ?? { level, text in state.log(level, text) }
        self.onMessage = onMessage
    }

    func event(_ e: JobEvent) {
        let message: String
        let job: String
        switch e {
        case .submitted(let logId, _, _, let video):
            job = logId
            message = "submitted · job \(logId)"
            log("info", "Submitted \(video ? "video" : "image") job \(logId).")
        case .polled(let logId, let status, _, let ms, _):
            // The job's id in every message: a client that keeps only the last one still has it.
            job = logId
            message = "\(status) · \(ms / 1000) s · job \(logId)"
        }
        onMessage(message, job)
        guard let token else { return }
        let n = count.withLock { c -> Int in c += 1; return c }
        state.notify("notifications/progress", .object(["progressToken": token, "progress": .integer(Int64(n)), "message": .string(message)]))
    }
}
