import AiToEarnCore
import JSONRPC
import JSONValue

/// `initialize`: reads `initializationOptions` into the session and describes the server.
enum InitializeHandler {
    static let notifications = ["task.progress", "$/progress", "status.changed"]

    /// `enterMCP` switches the server to the MCP face's methods.
    static func handle(_ params: JSONValue?, session: Session, methods: [String],
                       enterMCP: () -> Void) throws(RPCError) -> JSONValue {
        if let p = params, p.objectValue == nil, p != .null {
            throw RPCError.invalidParams("initialize params must be an object.")
        }
        // An MCP client names its protocol version; an LSP client does not.
        if session.era.current == .modernMCP {
            // The client already spoke 2026-07-28, which has no handshake.
            throw MCPModern.handshakeAfterModern(params?["protocolVersion"]?.stringValue ?? "(none)")
        }
        if params?["protocolVersion"] != nil || session.face.current == .mcp {
            session.era.withLock { $0 = .legacyMCP }
            enterMCP()
            return MCPInitialize.handle(params, session: session)
        }
        session.era.withLock { $0 = .lsp }
        var r = FieldReader(params: params?["initializationOptions"])
        var o = Settings.Overrides()
        // LSP's own member: the client's UI language, for the service's messages.
        o.locale = params?["locale"]?.stringValue
        o.apiKey = r.string("apiKey")
        o.baseURL = r.string("baseUrl", nonEmpty: true)
        if let region = r.oneOf("region", Region.allCases.map(\.rawValue)) { o.region = Region(rawValue: region) }
        o.pollIntervalMs = r.integer("pollIntervalMs", in: 1...600_000).map(Int.init)
        o.timeoutMs = r.integer("timeoutMs", in: 1...PollOptions.maxTimeoutMs).map(Int.init)
        r.rejectUnknown()
        let prefixed = r.issues.map { ValidationIssue("initializationOptions" + ($0.path.isEmpty ? "" : "." + $0.path), $0.message) }
        if !prefixed.isEmpty { throw CoreError(.invalidParams(prefixed)).rpcError }
        do {
            try session.apply(o)
        } catch {
            let path = "initializationOptions." + error.field
            throw RPCError.invalidParams("initializationOptions: \(error.description).",
                                         data: .object(["errors": [.object(["path": .string(path), "message": .string(error.description)])]]))
        }
        let all = (["initialize", "shutdown", "exit"] + methods).map { JSONValue.string($0) }
        return .object([
            "serverInfo": .object(["name": .string(AdapterInfo.name), "version": .string(AdapterInfo.version)]),
            "capabilities": .object(["methods": .array(all), "notifications": .array(notifications.map { .string($0) })]),
        ])
    }
}
