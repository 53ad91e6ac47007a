import AiToEarnCore
import JSONRPC
import JSONValue

/// `initialize` for an MCP client: version negotiation and the server's capabilities.
enum MCPInitialize {
    static func handle(_ params: JSONValue?, session: Session) -> JSONValue {
        session.face.withLock { $0 = .mcp }
        let version = session.mcp.negotiate(params?["protocolVersion"]?.stringValue)
        var capabilities: JSONObject = ["tools": .object(["listChanged": false]), "logging": .object([:])]
        if session.mcp.supportsTasks {
            capabilities["tasks"] = .object(["list": .object([:]), "cancel": .object([:]),
                                             "requests": .object(["tools": .object(["call": .object([:])])])])
        }
        return .object([
            "protocolVersion": .string(version),
            "capabilities": .object(capabilities),
            "serverInfo": .object(["name": .string(AdapterInfo.name), "title": "AiToEarn image generation",
                                   "version": .string(AdapterInfo.version)]),
            "instructions": .string(instructions),
        ])
    }

    /// How a model should use the tools (served by `initialize` and `server/discover`).
    static let instructions = """
        Generate images with AiToEarn. Call list_image_models to pick a model, then generate_image. \
        To change an existing picture, call edit_image with its absolute path or URL (models: \
        list_image_models with kind "edit"). \
        A job that takes longer than wait_seconds comes back with its logId: call get_task_status to \
        follow it. Images come back as links (saved files or URLs), not as data, unless include_image_data is set. \
        For a video, call list_video_models, then generate_video: it takes minutes, so it usually comes back \
        with its taskId; follow it with get_task_status and taskId (never submit it again). The video and its \
        cover come back as links to saved files.
        """
}
