import AiToEarnCore
import Diagnostics
import JSONValue

/// MCP `notifications/progress` for a call that carried `_meta.progressToken`: strictly
/// increasing progress, no total, and a readable message.
final class MCPProgress: Sendable {
    private let token: JSONValue?
    private let state: MCPState
    private let count = Locked(0)
    private let onMessage: @Sendable (String) -> Void

    init(token: JSONValue?, state: MCPState, onMessage: @escaping @Sendable (String) -> Void = { _ in }) {
        self.token = token
        self.state = state
        self.onMessage = onMessage
    }

    func event(_ e: JobEvent) {
        let message: String
        switch e {
        case .submitted(let logId, _, _):
            message = "submitted · job \(logId)"
            state.log("info", "Submitted image job \(logId).")
        case .polled(_, let status, _, let ms):
            message = "\(status) · \(ms / 1000) s"
        }
        onMessage(message)
        guard let token else { return }
        let n = count.withLock { c -> Int in c += 1; return c }
        state.notify("notifications/progress", .object(["progressToken": token, "progress": .integer(Int64(n)), "message": .string(message)]))
    }
}
