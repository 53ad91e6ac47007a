import AiToEarnCore
import JSONRPC
import JSONValue

/// `initialize` for an MCP client: version negotiation and the server's capabilities.
enum MCPInitialize {
    static func result(_ params: JSONValue?, session: Session) -> JSONValue {
        let version = session.mcp.negotiate(params?["protocolVersion"]?.stringValue)
        // Elicitation came with 2025-06-18; a client that declares it can be asked to confirm a price.
        let elicits = params?["capabilities"]?["elicitation"].map { $0.objectValue != nil } ?? false
        session.mcp.clientElicits.withLock { $0 = elicits }
        var capabilities: JSONObject = ["tools": .object(["listChanged": false]), "logging": .object([:])]
        if session.mcp.supportsTasks {
            capabilities["tasks"] = .object(["list": .object([:]), "cancel": .object([:]),
                                             "requests": .object(["tools": .object(["call": .object([:])])])])
        }
        return .object([
            "protocolVersion": .string(version.rawValue),
            "capabilities": .object(capabilities),
            "serverInfo": .object(["name": .string(AdapterInfo.name), "title": "AiToEarn image generation",
                                   "version": .string(AdapterInfo.version)]),
            "instructions": .string(MCPToolCatalog.instructions),
        ])
    }

}
