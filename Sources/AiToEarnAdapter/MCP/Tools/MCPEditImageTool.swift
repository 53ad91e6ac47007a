import AiToEarnCore
import JSONValue

/// The `edit_image` tool: an edit of existing pictures, followed like `generate_image` (same
/// output, progress and task support). Inputs are absolute paths, file:// URIs or http(s) URLs.
enum MCPEditImageTool {
    static let name = "edit_image"

    private static let input = "An absolute path or file:// URI of a local PNG, JPEG or WebP file (read by the server and sent "
        + "inline, at most 11 MB), or an http(s) URL the service fetches itself (best for large pictures)."

    static func definition(withTasks: Bool) -> JSONValue {
        var tool: JSONObject = [
            "name": .string(name),
            "title": "Edit image",
            "description": .string("Edit existing pictures with AiToEarn from a text instruction (\"make the sky darker\", "
                + "\"remove the text\"). Submits a billed job, waits up to wait_seconds (null: 45) for it, and returns the new picture as a "
                + "link (a saved file or a URL); the input files are not changed. A job still running is returned with its "
                + "logId: call get_task_status to follow it. Pick a model from list_image_models with kind \"edit\". "
                + "Never call again to retry a job that was submitted (it would be billed twice): follow its logId, or pass the same "
                + "idempotency_key. A call that carries a progressToken is answered in place (with progress), also for clients that take tasks." + MCPCredits.description),
            "inputSchema": MCPToolCatalog.inputSchema([
                ("prompt", MCPToolCatalog.string("What to change: 1 to 4000 UTF-16 code units.")),
                ("model", MCPToolCatalog.string("An edit model name from list_image_models with kind \"edit\".")),
                // One type: a list (a single picture is a list of one; a plain string is taken too).
                ("image", .object(["type": "array", "minItems": 1, "items": .object(["type": "string"]),
                                   "description": .string("The pictures to edit: one or more (at most the model's maxInputImages). Each is "
                                       + input)])),
                ("mask", MCPToolCatalog.optional(MCPToolCatalog.string("Where the picture may change (null: anywhere). " + input))),
                ("n", MCPToolCatalog.optional(.object(["type": "integer", "enum": [1], "description": "How many pictures: the service makes exactly one (null: 1)."]))),
                ("size", MCPToolCatalog.optional(MCPToolCatalog.string("A size the model lists, such as 1024x1024 (null: the model's own)."))),
                ("response_format", MCPToolCatalog.optional(.object(["type": "string", "enum": .array(ImageRequest.responseFormats.map { .string($0) }),
                                                                      "description": "How the service delivers the picture (null: its default)."]))),
                ("user", MCPToolCatalog.optional(MCPToolCatalog.string("An end-user identifier (null: none)."))),
                ("source", MCPToolCatalog.optional(.object(["type": "string", "enum": .array(ImageRequest.sources.map { .string($0) }),
                                                             "description": "Where the request comes from (null: not said)."]))),
                ("wait_seconds", MCPToolCatalog.waitSeconds),
                ("include_image_data", MCPToolCatalog.includeImageData),
                ("idempotency_key", MCPToolCatalog.idempotencyKey),
                ("confirm_credits", MCPCredits.confirmArgument),
            ]),
            "outputSchema": MCPToolCatalog.jobOutput,
            "annotations": .object(["title": "Edit image", "readOnlyHint": false, "destructiveHint": false,
                                    "idempotentHint": false, "openWorldHint": true]),
        ]
        if withTasks { tool["execution"] = .object(["taskSupport": "optional"]) }
        return .object(tool)
    }

    /// `list_image_models`'s `kind` argument.
    static let modelKind: JSONValue = MCPToolCatalog.optional(.object([
        "type": "string", "enum": .array(ImageJobKind.allCases.map { .string($0.rawValue) }),
        "description": "Which models: \"generation\" (for generate_image; also null) or \"edit\" (for edit_image, with maxInputImages).",
    ]))
}
