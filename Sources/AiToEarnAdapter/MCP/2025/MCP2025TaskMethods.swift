import JSONRPC
import JSONValue

/// `tasks/get`.
struct MCP2025GetTask: MCPMethod {
    static let name = "tasks/get"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.get(try taskId(p))
    }
}

/// `tasks/result`: waits for the task's end.
struct MCP2025TaskResult: MCPMethod {
    static let name = "tasks/result"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try await session.mcp.tasks.result(try taskId(p))
    }
}

/// `tasks/list`.
struct MCP2025ListTasks: MCPMethod {
    static let name = "tasks/list"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.list(cursor: p?["cursor"]?.stringValue)
    }
}

/// `tasks/cancel`.
struct MCP2025CancelTask: MCPMethod {
    static let name = "tasks/cancel"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.cancel(try taskId(p), notify: session.mcp.notify)
    }
}
