import JSONRPC
import JSONValue

/// `tasks/get`.
struct MCPGetTask: MCPMethod {
    static let name = "tasks/get"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.get(try taskId(p))
    }
}

/// `tasks/result`: waits for the task's end.
struct MCPTaskResult: MCPMethod {
    static let name = "tasks/result"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try await session.mcp.tasks.result(try taskId(p))
    }
}

/// `tasks/list`.
struct MCPListTasks: MCPMethod {
    static let name = "tasks/list"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.list(cursor: p?["cursor"]?.stringValue)
    }
}

/// `tasks/cancel`.
struct MCPCancelTask: MCPMethod {
    static let name = "tasks/cancel"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return try session.mcp.tasks.cancel(try taskId(p), notify: session.mcp.notify)
    }
}

/// The `taskId` every tasks/* request names.
func taskId(_ p: JSONValue?) throws(RPCError) -> String {
    guard let id = p?["taskId"]?.stringValue else { throw RPCError.invalidParams("taskId is required.") }
    return id
}
