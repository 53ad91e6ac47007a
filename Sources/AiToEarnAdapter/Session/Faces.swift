import JSONRPC

/// The two faces of the server, each with only its own methods: the LSP-style JSON-RPC face and
/// the MCP face. The engine serves one table at a time; `initialize` picks the face.
enum Faces {
    static func lsp(session: Session, server: RPCServer) -> MethodTable {
        var t = MethodTable()
        t.add(ImageGenerateMethod(session: session))
        t.add(ImageEditMethod(session: session))
        t.add(TaskStatusMethod(session: session))
        t.add(ImageModelsMethod(session: session))
        t.add(DiscoverMethod())
        t.on("$/cancelRequest") { [weak server] params in
            if let id = params?["id"] { server?.cancelRequest(id: id) }
        }
        return t
    }

    static func mcp(session: Session, server: RPCServer) -> MethodTable {
        var t = MethodTable()
        t.add(MCPListTools(session: session))
        t.add(MCPCallTool(session: session))
        t.add(MCPPing(session: session))
        t.add(MCPSetLevel(session: session))
        t.add(MCPGetTask(session: session))
        t.add(MCPTaskResult(session: session))
        t.add(MCPListTasks(session: session))
        t.add(MCPCancelTask(session: session))
        // MCP's cancellation: the request stops and sends no response at all.
        t.on("notifications/cancelled") { [weak server] params in
            if let id = params?["requestId"] { server?.cancelRequest(id: id, silently: true) }
        }
        return t
    }
}
