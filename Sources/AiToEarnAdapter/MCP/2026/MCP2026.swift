import JSONRPC
import JSONValue

/// MCP 2026-07-28, the stateless revision: no `initialize`; every request names its protocol
/// version and the client's capabilities in `_meta`; results say their `resultType`.
enum MCP2026 {
    static let version = MCPRevision.v2026_07_28.rawValue
    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let logLevelKey = "io.modelcontextprotocol/logLevel"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"
    static let tasksExtension = "io.modelcontextprotocol/tasks"
    static let unsupportedVersion = ErrorCode(rawValue: -32022)
    /// How long a client may cache the tool list and the discovery result.
    static let cacheTTLMs: Int64 = 3_600_000

    /// Every version this binary speaks, newest first.
    static let supportedVersions = MCPRevision.allCases.reversed().map(\.rawValue)

    static func unsupported(_ requested: String) -> RPCError {
        RPCError(unsupportedVersion, "Unsupported protocol version \"\(requested)\": this server speaks "
                 + supportedVersions.joined(separator: ", ") + ".",
                 data: .object(["supported": .array(supportedVersions.map { .string($0) }), "requested": .string(requested)]))
    }

    /// The Tasks extension's own error: a request used the extension without declaring it.
    static let extensionNotDeclared = ErrorCode(rawValue: -32021)

    /// `tasks/*` belong to the Tasks extension: a request that does not declare it in its
    /// client capabilities is refused (-32021), as the extension requires.
    static func requireTasksExtension(_ params: JSONValue?, method: String) throws(RPCError) {
        guard !MCPRequestMeta(params).acceptsTasks else { return }
        throw RPCError(extensionNotDeclared, "\(method) belongs to the \(tasksExtension) extension: declare it in "
            + "_meta.\"\(capabilitiesKey)\".extensions to use tasks.",
            data: .object(["extension": .string(tasksExtension)]))
    }

    /// `initialize` on a connection that already speaks 2026-07-28: the version may well be
    /// supported, but not on this connection, and the message says so.
    static func handshakeAfter2026(_ requested: String) -> RPCError {
        var e = unsupported(requested)
        e.message = "This connection already speaks MCP \(version), which has no initialize handshake: keep sending "
            + "requests that carry their _meta, or open a new connection to speak \(requested)."
        return e
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
