import AiToEarnCore
import JSONRPC
import JSONValue

/// `tools/list`.
struct MCP2025ListTools: MCPMethod {
    static let name = "tools/list"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        return .object(["tools": .array(MCPToolCatalog.tools(withTasks: session.mcp.supportsTasks))])
    }
}

/// `tools/call`, plain or task-augmented.
struct MCP2025CallTool: MCPMethod {
    static let name = "tools/call"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        guard let name = p?["name"]?.stringValue else { throw RPCError.invalidParams("tools/call needs a tool \"name\".") }
        var runner = MCPToolRunner(session: session)
        let arguments = p?["arguments"]
        // Without the tasks capability (versions before 2025-11-25) task metadata is ignored.
        guard let task = p?["task"], task != .null, session.mcp.supportsTasks else {
            // Answered in place, the call can ask the user to confirm a price through the client.
            if session.mcp.clientElicits.current {
                let requests = session.mcp.clientRequests
                runner.confirmation = .request { params in await requests.ask("elicitation/create", params) }
            }
            let progress = MCPProgress(token: p?["_meta"]?["progressToken"], state: session.mcp)
            return try await runner.run(name: name, arguments: arguments, progress: progress, followToEnd: false)
        }
        guard MCPToolCatalog.taskTools.contains(name) else {
            throw RPCError(.methodNotFound, "The tool \"\(name)\" does not support task-augmented execution: call it without \"task\".")
        }
        let ttl = task["ttl"]?.integerValue.map { Int(clamping: $0) }
        let state = session.mcp
        let token = p?["_meta"]?["progressToken"]
        // Bad arguments are answered at once, as without a task: no task is made for a call that cannot run.
        guard case .ready(let go) = try runner.prepare(name: name, arguments: arguments, followToEnd: true) else {
            return try await runner.run(name: name, arguments: arguments, progress: MCPProgress(token: nil, state: state), followToEnd: true)
        }
        let video = name == MCPVideoTool.name
        let interval = JobOptions.defaults(video: video, settings: session.settings).pollIntervalMs
        let created = try state.tasks.create(ttlMs: ttl, pollIntervalMs: interval, video: video, notify: state.notify) { id in
            try await go(MCPProgress(token: token, state: state, onMessage: { state.tasks.note(id, $0, logId: $1) }))
        }
        return .object(["task": created])
    }
}

/// `ping`.
struct MCP2025Ping: MCPMethod {
    static let name = "ping"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue { .object([:]) }
}

/// `logging/setLevel`.
struct MCP2025SetLevel: MCPMethod {
    static let name = "logging/setLevel"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        guard let level = p?["level"]?.stringValue, MCPState.logLevels.contains(level) else {
            throw RPCError.invalidParams("level must be one of " + MCPState.logLevels.joined(separator: ", ") + ".")
        }
        session.mcp.setLogLevel(level)
        return .object([:])
    }
}
