import AiToEarnCore
import JSONRPC
import JSONValue

/// `server/discover`: the versions, capabilities and identity of this server (2026-07-28).
struct MCP2026Discover: MCPMethod {
    static let name = "server/discover"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        MCP2026.cacheable([
            "supportedVersions": .array(MCP2026.supportedVersions.map { .string($0) }),
            "capabilities": .object([
                "tools": .object(["listChanged": false]),
                // Requests that name a log level get notifications/message for it.
                "logging": .object([:]),
                "extensions": .object(JSONObject([(MCP2026.tasksExtension, .object([:]))])),
            ]),
            "instructions": .string(MCPToolCatalog.instructions),
        ])
    }
}

/// `tools/list` for a 2026-07-28 client: the same tools, cacheable, no per-tool task flags
/// (under the Tasks extension the server decides per call).
struct MCP2026ListTools: MCPMethod {
    static let name = "tools/list"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        MCP2026.cacheable(["tools": .array(MCPToolCatalog.tools(withTasks: false))])
    }
}

/// `tools/call` for a 2026-07-28 client. A client that takes task handles gets one for an image
/// generation (the job may run for minutes); everything else is answered in place.
struct MCP2026CallTool: MCPMethod {
    static let name = "tools/call"
    let session: Session

    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        guard let name = p?["name"]?.stringValue else { throw RPCError.invalidParams("tools/call needs a tool \"name\".") }
        let meta = MCPRequestMeta(p)
        let state = session.mcp
        var runner = MCPToolRunner(session: session)
        let arguments = p?["arguments"]
        let log = meta.log(state: state)
        // A request that carries a progressToken wants to follow the call in place (progress, and
        // a cancel that reaches it): the server chooses per request, and answers it in place.
        let asTask = meta.acceptsTasks && meta.progressToken == nil
            && MCPToolCatalog.taskTools.contains(name)
        // A price is confirmed through the client when it can ask (a task, running on its own, cannot).
        if !asTask, meta.capabilities["elicitation"] != nil {
            runner.confirmation = .inputRequired(responses: p?["inputResponses"], state: p?["requestState"]?.stringValue)
        }
        let prepared = try runner.prepare(name: name, arguments: arguments, followToEnd: asTask)
        guard asTask, case .ready(let go) = prepared else {
            let progress = MCPProgress(token: meta.progressToken, state: state, log: log)
            switch prepared {
            case .refused(let result): return MCP2026.result(result)
            case .ready(let go):
                let result = try await go(progress)
                return MCP2026.result(result, type: result["resultType"]?.stringValue ?? "complete")
            }
        }
        // Progress belongs to a request in flight; this one ends with the task handle.
        let video = name == MCPVideoTool.name
        let interval = JobOptions.defaults(video: video, settings: session.settings).pollIntervalMs
        let created = try state.tasks.create(ttlMs: nil, pollIntervalMs: interval, for2026: true, video: video,
                                         notify: state.notify) { id in
            try await go(MCPProgress(token: nil, state: state, log: log, onMessage: { state.tasks.note(id, $0, logId: $1) }))
        }
        return MCP2026.result(created, type: "task")
    }
}

/// `tasks/get` (Tasks extension): the task, with its result inline once it has ended.
struct MCP2026GetTask: MCPMethod {
    static let name = "tasks/get"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        try MCP2026.requireTasksExtension(p, method: Self.name)
        return MCP2026.result(try session.mcp.tasks.get(try taskId(p)))
    }
}

/// `tasks/update` (Tasks extension): acknowledged; this server never waits for input.
struct MCP2026UpdateTask: MCPMethod {
    static let name = "tasks/update"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        try MCP2026.requireTasksExtension(p, method: Self.name)
        try session.mcp.tasks.acknowledge(try taskId(p))
        return MCP2026.result(.object([:]))
    }
}

/// `tasks/cancel` (Tasks extension): acknowledged; following stops, the upstream job goes on.
struct MCP2026CancelTask: MCPMethod {
    static let name = "tasks/cancel"
    let session: Session
    func callAsFunction(_ p: JSONValue?, context: RequestContext) async throws -> JSONValue {
        try MCP2026.requireTasksExtension(p, method: Self.name)
        let id = try taskId(p)
        do {
            _ = try session.mcp.tasks.cancel(id, notify: session.mcp.notify)
        } catch {
            // Already ended: cancelling is cooperative, so that is not an error here.
            try session.mcp.tasks.acknowledge(id)
        }
        return MCP2026.result(.object([:]))
    }
}
