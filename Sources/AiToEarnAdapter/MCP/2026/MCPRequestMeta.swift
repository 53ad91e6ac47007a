import JSONRPC
import JSONValue

/// What a 2026-07-28 request says about itself in `_meta`.
struct MCPRequestMeta: Sendable {
    var version: String?
    var capabilities: JSONValue
    var logLevel: String?
    var progressToken: JSONValue?

    init(_ params: JSONValue?) {
        let meta = params?["_meta"]
        version = meta?[MCP2026.versionKey]?.stringValue
        capabilities = meta?[MCP2026.capabilitiesKey] ?? .object([:])
        logLevel = meta?[MCP2026.logLevelKey]?.stringValue
        progressToken = meta?["progressToken"]
    }

    /// What 2026-07-28 requires of every request's `_meta` (bar the `server/discover` probe): the
    /// protocol version, the client's capabilities as an object, and a log level, when given, that
    /// is one of the levels. Nil when it holds; else the `-32602` that says what is missing.
    static func violation(_ params: JSONValue?) -> RPCError? {
        func refuse(_ path: String, _ message: String) -> RPCError {
            RPCError.invalidParams("Invalid _meta for 2026-07-28: \(path): \(message).",
                                   data: .object(["errors": [.object(["path": .string(path), "message": .string(message)])]]))
        }
        guard let meta = params?["_meta"], case .object = meta else {
            return refuse("_meta", "every request but server/discover carries _meta with \"\(MCP2026.versionKey)\" and \"\(MCP2026.capabilitiesKey)\"")
        }
        guard meta[MCP2026.versionKey]?.stringValue != nil else {
            return refuse("_meta.\(MCP2026.versionKey)", "required, a string (\"\(MCP2026.version)\")")
        }
        guard case .object? = meta[MCP2026.capabilitiesKey] else {
            return refuse("_meta.\(MCP2026.capabilitiesKey)", "required, an object ({} when the client declares nothing)")
        }
        if let level = meta[MCP2026.logLevelKey], !(level.stringValue.map(MCPState.logLevels.contains) ?? false) {
            return refuse("_meta.\(MCP2026.logLevelKey)", "must be one of " + MCPState.logLevels.joined(separator: ", "))
        }
        return nil
    }

    /// The client takes task handles in place of results (the Tasks extension), on this request.
    var acceptsTasks: Bool { capabilities["extensions"]?[MCP2026.tasksExtension] != nil }

    /// `notifications/message` for this request only, and only when it asked for a level.
    func log(state: MCPState) -> @Sendable (String, String) -> Void {
        guard let wanted = logLevel, MCPState.logLevels.contains(wanted) else { return { _, _ in } }
        return { level, text in state.log(level, text, threshold: wanted) }
    }
}
