import AiToEarnCore
import JSONValue

/// The `edit_image` tool: an edit of existing pictures, followed like `generate_image` (same
/// output, progress and task support). Inputs are absolute paths, file:// URIs or http(s) URLs.
enum MCPEditImageTool {
    static let name = "edit_image"

    private static func string(_ d: String) -> JSONValue { .object(["type": "string", "description": .string(d)]) }

    private static let input = "An absolute path or file:// URI of a local PNG, JPEG or WebP file (read by the server and sent "
        + "inline, at most 11 MB), or an http(s) URL the service fetches itself (best for large pictures)."

    static func definition(withTasks: Bool) -> JSONValue {
        var tool: JSONObject = [
            "name": .string(name),
            "title": "Edit image",
            "description": .string("Edit existing pictures with AiToEarn from a text instruction (\"make the sky darker\", "
                + "\"remove the text\"). Submits a billed job, waits up to wait_seconds for it, and returns the new picture as a "
                + "link (a saved file or a URL); the input files are not changed. A job still running is returned with its "
                + "logId: call get_task_status to follow it. Pick a model from list_image_models with kind \"edit\"."),
            "inputSchema": .object([
                "type": "object",
                "properties": .object([
                    "prompt": .object(["type": "string", "minLength": 1, "maxLength": 4000,
                                       "description": "What to change (at most 4000 UTF-16 code units)."]),
                    "model": string("An edit model name from list_image_models with kind \"edit\"."),
                    "image": .object([
                        "description": .string("The picture to edit, or several (at most the model's maxInputImages). " + input),
                        "oneOf": [.object(["type": "string", "minLength": 1]),
                                  .object(["type": "array", "minItems": 1, "items": .object(["type": "string", "minLength": 1])])],
                    ]),
                    "mask": string("Optional mask: where the picture may change. " + input),
                    "n": .object(["type": "integer", "const": 1, "description": "How many pictures: the service makes exactly one."]),
                    "size": string("A size the model lists, such as 1024x1024."),
                    "response_format": .object(["type": "string", "enum": .array(ImageRequest.responseFormats.map { .string($0) })]),
                    "user": string("An end-user identifier."),
                    "source": .object(["type": "string", "enum": .array(ImageRequest.sources.map { .string($0) })]),
                    "wait_seconds": MCPToolCatalog.waitSeconds,
                    "include_image_data": MCPToolCatalog.includeImageData,
                ]),
                "required": ["prompt", "model", "image"],
                "additionalProperties": false,
            ]),
            "outputSchema": MCPToolCatalog.jobOutput,
            "annotations": .object(["title": "Edit image", "readOnlyHint": false, "destructiveHint": false,
                                    "idempotentHint": false, "openWorldHint": true]),
        ]
        if withTasks { tool["execution"] = .object(["taskSupport": "optional"]) }
        return .object(tool)
    }

    /// `list_image_models`'s `kind` argument.
    static let modelKind: JSONValue = .object([
        "type": "string", "enum": .array(ImageJobKind.allCases.map { .string($0.rawValue) }), "default": "generation",
        "description": "Which models: \"generation\" (for generate_image) or \"edit\" (for edit_image, with maxInputImages).",
    ])
}
