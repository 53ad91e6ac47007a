import JSONRPC
import JSONValue

/// MCP 2026-07-28, the stateless revision: no `initialize`; every request names its protocol
/// version and the client's capabilities in `_meta`; results say their `resultType`.
enum MCPModern {
    static let version = "2026-07-28"
    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let logLevelKey = "io.modelcontextprotocol/logLevel"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"
    static let tasksExtension = "io.modelcontextprotocol/tasks"
    static let unsupportedVersion = ErrorCode(rawValue: -32022)
    /// How long a client may cache the tool list and the discovery result.
    static let cacheTTLMs: Int64 = 3_600_000

    /// Every version this binary speaks, newest first.
    static var supportedVersions: [String] { [version] + MCPState.supportedVersions.reversed() }

    static func unsupported(_ requested: String) -> RPCError {
        RPCError(unsupportedVersion, "Unsupported protocol version \"\(requested)\": this server speaks "
                 + supportedVersions.joined(separator: ", ") + ".",
                 data: .object(["supported": .array(supportedVersions.map { .string($0) }), "requested": .string(requested)]))
    }

    /// A result clients may cache (for `cacheTTLMs`, shared caches allowed: nothing in it is the user's).
    static func cacheable(_ fields: JSONObject) -> JSONValue {
        var o = fields
        o["ttlMs"] = .integer(cacheTTLMs)
        o["cacheScope"] = "public"
        return result(.object(o))
    }

    /// A result as the revision wants it: its `resultType`, and the server named in `_meta`.
    static func result(_ value: JSONValue, type: String = "complete") -> JSONValue {
        guard case .object(var o) = value else { return value }
        o["resultType"] = .string(type)
        var meta = o["_meta"]?.objectValue ?? JSONObject()
        meta[serverInfoKey] = .object(["name": .string(AdapterInfo.name), "version": .string(AdapterInfo.version)])
        o["_meta"] = .object(meta)
        return .object(o)
    }
}

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

/// Decides, per request, which revision answers it: a session that began with a legacy
/// `initialize` stays legacy; a request that names 2026-07-28 (or a `server/discover` probe)
/// turns an undecided session modern; an unknown version is refused with the versions we speak.
enum MCPEraRouter {
    static func route(method: String, params: JSONValue?, session: Session, enterModern: () -> Void) -> RPCServer.Route {
        switch session.era.current {
        case .lsp, .legacyMCP:
            return .proceed
        case .undecided, .modernMCP:
            break
        }
        let requested = MCPRequestMeta(params).version
        if requested == nil && method != "server/discover" { return .proceed }
        if let r = requested, r != MCPModern.version {
            // A legacy version without its handshake: the legacy face answers (or says what is missing).
            return MCPState.supportedVersions.contains(r) ? .proceed : .reject(MCPModern.unsupported(r))
        }
        let first = session.era.withLock { e -> Bool in defer { e = .modernMCP }; return e != .modernMCP }
        if first {
            session.face.withLock { $0 = .mcp }
            enterModern()
        }
        return .proceed
    }
}
