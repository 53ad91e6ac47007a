import JSONRPC
import JSONValue

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
        if requested == nil && method != "server/discover" {
            // A modern session has no handshake: each request must say what it is.
            if session.era.current == .modernMCP, let v = MCPRequestMeta.violation(params) { return .reject(v) }
            return .proceed
        }
        if let r = requested, r != MCPModern.version {
            // A legacy version without its handshake: the legacy face answers (or says what is missing).
            return MCPState.supportedVersions.contains(r) ? .proceed : .reject(MCPModern.unsupported(r))
        }
        if method != "server/discover", let v = MCPRequestMeta.violation(params) { return .reject(v) }
        let first = session.era.withLock { e -> Bool in defer { e = .modernMCP }; return e != .modernMCP }
        if first {
            session.face.withLock { $0 = .mcp }
            enterModern()
        }
        return .proceed
    }
}
