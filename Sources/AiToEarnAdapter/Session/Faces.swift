import JSONRPC
import JSONValue

/// Which protocol, and which revision of it, the client speaks. Only `Faces` changes it.
enum Face: Sendable, Equatable {
    /// Nothing said yet. The LSP-style methods answer (or, launched with `--mcp`, the MCP
    /// handshake revision's) until `initialize`, or a request naming MCP 2026-07-28, decides.
    case undecided(launchedAsMCP: Bool)
    /// An `initialize` without `protocolVersion`: the LSP-style JSON-RPC face.
    case lsp
    /// MCP with the `initialize` handshake (2024-11-05 to 2025-11-25).
    case mcp2025
    /// MCP 2026-07-28: no handshake, every request names its revision in `_meta`.
    case mcp2026

    var isMCP: Bool {
        switch self {
        case .undecided(let mcp): return mcp
        case .lsp: return false
        case .mcp2025, .mcp2026: return true
        }
    }
}

/// The one owner of the protocol choice: it holds each face's method table, installs the one
/// the session's `Face` calls for, and serves the engine's hooks. Both deciding hooks run on
/// the engine's reader thread, one message at a time, so a face never changes under a request.
struct Faces: Sendable {
    private let session: Session
    private let server: RPCServer
    private let lsp: MethodTable
    private let mcp2025: MethodTable
    private let mcp2026: MethodTable

    init(session: Session, server: RPCServer) {
        (self.session, self.server) = (session, server)
        var lsp = MethodTable([ImageGenerateMethod(session: session), ImageEditMethod(session: session),
                               TaskStatusMethod(session: session), ImageModelsMethod(session: session),
                               VideoGenerateMethod(session: session), VideoModelsMethod(session: session),
                               TaskListMethod(session: session), CreditsUsageMethod(session: session), DiscoverMethod()])
        Self.cancel(on: "$/cancelRequest", idField: "id", silently: false, in: &lsp, server: server)
        var mcp2025 = MethodTable([MCP2025ListTools(session: session), MCP2025CallTool(session: session), MCP2025Ping(session: session),
                                   MCP2025SetLevel(session: session), MCP2025GetTask(session: session), MCP2025TaskResult(session: session),
                                   MCP2025ListTasks(session: session), MCP2025CancelTask(session: session)])
        Self.cancel(on: "notifications/cancelled", idField: "requestId", silently: true, in: &mcp2025, server: server)
        // No ping or logging/setLevel in this revision: a request names its own log level.
        var mcp2026 = MethodTable([MCP2026Discover(session: session), MCP2026ListTools(session: session),
                                   MCP2026CallTool(session: session), MCP2026GetTask(session: session),
                                   MCP2026UpdateTask(session: session), MCP2026CancelTask(session: session)])
        Self.cancel(on: "notifications/cancelled", idField: "requestId", silently: true, in: &mcp2026, server: server)
        (self.lsp, self.mcp2025, self.mcp2026) = (lsp, mcp2025, mcp2026)
    }

    /// Installs the table of the session's face and the engine's hooks; call before the engine starts.
    func install() {
        server.useMethods(session.face.current.isMCP ? mcp2025 : lsp)
        var hooks = RPCServer.Hooks()
        hooks.initialize = { params throws(RPCError) in try initialize(params) }
        hooks.route = { method, params in route(method: method, params: params) }
        hooks.sessionStarted = { [session] _, trigger in session.start(trigger: trigger) }
        hooks.willExit = { [session] in session.cleanUp() }
        hooks.response = { [session] reply in session.mcp.clientRequests.receive(reply) }
        server.setHooks(hooks)
    }

    /// `initialize`: an MCP client names its protocol version, an LSP client does not.
    private func initialize(_ params: JSONValue?) throws(RPCError) -> JSONValue {
        if let p = params, p.objectValue == nil, p != .null {
            throw RPCError.invalidParams("initialize params must be an object.")
        }
        let face = session.face.current
        if face == .mcp2026 {
            // The client already spoke 2026-07-28, which has no handshake.
            throw MCP2026.handshakeAfter2026(params?["protocolVersion"]?.stringValue ?? "(none)")
        }
        if params?["protocolVersion"] != nil || face.isMCP {
            enter(.mcp2025)
            return MCPInitialize.result(params, session: session)
        }
        // Decided before the options are read: a refused initialize still made this an LSP session.
        enter(.lsp)
        return try LSPInitialize.result(params, session: session, methods: lsp.methodNames)
    }

    /// Decides, per request, which revision answers it. A session `initialize` decided is not
    /// routed at all; a request that names 2026-07-28 (or a `server/discover` probe) turns an
    /// undecided session to that revision; an unknown version is refused with the versions spoken.
    private func route(method: String, params: JSONValue?) -> RPCServer.Route {
        let face = session.face.current
        switch face {
        case .lsp, .mcp2025: return .proceed
        case .undecided, .mcp2026: break
        }
        let requested = MCPRequestMeta(params).version
        if requested == nil && method != "server/discover" {
            // A 2026-07-28 session has no handshake: each request must say what it is.
            if face == .mcp2026, let v = MCPRequestMeta.violation(params) { return .reject(v) }
            return .proceed
        }
        if let r = requested, r != MCP2026.version {
            // A handshake revision without its handshake: the current face answers (or says what is missing).
            return MCPRevision(rawValue: r) != nil ? .proceed : .reject(MCP2026.unsupported(r))
        }
        if method != "server/discover", let v = MCPRequestMeta.violation(params) { return .reject(v) }
        if face != .mcp2026 { enter(.mcp2026) }
        return .proceed
    }

    private func enter(_ face: Face) {
        session.face.withLock { $0 = face }
        switch face {
        case .lsp: server.useMethods(lsp)
        case .mcp2025: server.useMethods(mcp2025)
        case .mcp2026: server.useMethods(mcp2026)
        case .undecided: break
        }
    }

    /// The face's cancellation notification. MCP's stops the request and sends no response at all.
    private static func cancel(on notification: String, idField: String, silently: Bool, in t: inout MethodTable,
                               server: RPCServer) {
        t.on(notification) { [weak server] params in
            if let id = params?[idField] { server?.cancelRequest(id: id, silently: silently) }
        }
    }
}
