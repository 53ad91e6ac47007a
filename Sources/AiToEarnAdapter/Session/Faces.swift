import JSONRPC
import JSONValue

/// The faces of the server, each with only its own methods: the LSP-style JSON-RPC face and the
/// MCP face (legacy and 2026-07-28). The engine serves one table at a time; `initialize` (or a
/// request naming its protocol) picks the face.
enum Faces {
    static func lsp(session: Session, server: RPCServer) -> MethodTable {
        var t = MethodTable([ImageGenerateMethod(session: session), ImageEditMethod(session: session),
                             TaskStatusMethod(session: session), ImageModelsMethod(session: session), VideoGenerateMethod(session: session),
                             VideoModelsMethod(session: session), DiscoverMethod()])
        cancel(on: "$/cancelRequest", idField: "id", silently: false, in: &t, server: server)
        return t
    }

    /// MCP 2026-07-28: no handshake, `server/discover`, the Tasks extension; no ping or logging/setLevel.
    static func mcpModern(session: Session, server: RPCServer) -> MethodTable {
        var t = MethodTable([MCPDiscover(session: session), MCPModernListTools(session: session),
                             MCPModernCallTool(session: session), MCPModernGetTask(session: session),
                             MCPModernUpdateTask(session: session), MCPModernCancelTask(session: session)])
        cancel(on: "notifications/cancelled", idField: "requestId", silently: true, in: &t, server: server)
        return t
    }

    static func mcp(session: Session, server: RPCServer) -> MethodTable {
        var t = MethodTable([MCPListTools(session: session), MCPCallTool(session: session), MCPPing(session: session),
                             MCPSetLevel(session: session), MCPGetTask(session: session), MCPTaskResult(session: session),
                             MCPListTasks(session: session), MCPCancelTask(session: session)])
        cancel(on: "notifications/cancelled", idField: "requestId", silently: true, in: &t, server: server)
        return t
    }

    /// The face's cancellation notification. MCP's stops the request and sends no response at all.
    private static func cancel(on notification: String, idField: String, silently: Bool, in t: inout MethodTable,
                               server: RPCServer) {
        t.on(notification) { [weak server] params in
            if let id = params?[idField] { server?.cancelRequest(id: id, silently: silently) }
        }
    }
}
