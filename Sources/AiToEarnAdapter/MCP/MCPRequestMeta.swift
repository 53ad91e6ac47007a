import JSONValue

/// What a 2026-07-28 request says about itself in `_meta`.
struct MCPRequestMeta: Sendable {
    var version: String?
    var capabilities: JSONValue
    var logLevel: String?
    var progressToken: JSONValue?

    init(_ params: JSONValue?) {
        let meta = params?["_meta"]
        version = meta?[MCPModern.versionKey]?.stringValue
        capabilities = meta?[MCPModern.capabilitiesKey] ?? .object([:])
        logLevel = meta?[MCPModern.logLevelKey]?.stringValue
        progressToken = meta?["progressToken"]
    }

    /// The client takes task handles in place of results (the Tasks extension), on this request.
    var acceptsTasks: Bool { capabilities["extensions"]?[MCPModern.tasksExtension] != nil }

    /// `notifications/message` for this request only, and only when it asked for a level.
    func log(state: MCPState) -> @Sendable (String, String) -> Void {
        guard let wanted = logLevel, let threshold = MCPState.logLevels.firstIndex(of: wanted) else { return { _, _ in } }
        return { level, text in
            guard (MCPState.logLevels.firstIndex(of: level) ?? 0) >= threshold else { return }
            state.notify("notifications/message", .object(["level": .string(level), "logger": "aitoearn-rpc", "data": .string(text)]))
        }
    }
}
