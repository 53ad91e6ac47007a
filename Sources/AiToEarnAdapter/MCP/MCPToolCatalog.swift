import AiToEarnCore
import JSONValue

/// The tools the MCP face offers, with their input and output schemas.
enum MCPToolCatalog {
    static let generate = "generate_image"
    static let status = "get_task_status"
    static let models = "list_image_models"

    private static func string(_ d: String) -> JSONValue { .object(["type": "string", "description": .string(d)]) }

    static let waitSeconds: JSONValue = .object([
        "type": "integer", "minimum": 0, "maximum": 600,
        "description": "How long to wait for the job to finish before returning its logId and status (seconds).",
    ])
    static let includeImageData: JSONValue = .object([
        "type": "boolean", "default": false,
        "description": "Also return images that arrive as base64 as image content (under 1 MB in total); otherwise they are saved and linked.",
    ])

    /// What a job result looks like in `structuredContent`.
    static let jobOutput: JSONValue = .object([
        "type": "object",
        "properties": .object([
            "logId": string("The job's id; pass it to get_task_status."),
            "status": .object(["type": "string", "enum": ["generating", "success", "failed"]]),
            "images": .object(["type": "array", "items": .object([
                "type": "object",
                "properties": .object([
                    "url": string("Where the service serves the image, or a file:// URL of the saved copy."),
                    "path": string("The local file the image was saved to."),
                    "mimeType": string("The image's media type."),
                ]),
                "required": ["mimeType"],
            ])]),
            "errorMessage": string("Why the job failed (status failed)."),
            "message": string("What to do next."),
        ]),
        "required": ["logId", "status", "images"],
    ])

    static func tools(withTasks: Bool) -> [JSONValue] {
        var generateTool: JSONObject = [
            "name": .string(generate),
            "title": "Generate image",
            "description": "Generate images from a text prompt with AiToEarn. Submits a billed job, waits up to wait_seconds for it, and returns the images as links (saved files or URLs). A job still running is returned with its logId: call get_task_status to follow it.",
            "inputSchema": .object([
                "type": "object",
                "properties": .object([
                    "prompt": .object(["type": "string", "minLength": 1, "maxLength": 4000, "description": "What to draw (at most 4000 UTF-16 code units)."]),
                    "model": string("A model name from list_image_models."),
                    "n": .object(["type": "integer", "minimum": 1, "maximum": 10, "description": "How many images."]),
                    "quality": string("A quality the model lists."),
                    "response_format": .object(["type": "string", "enum": .array(ImageRequest.responseFormats.map { .string($0) })]),
                    "size": string("A size the model lists, such as 1024x1024."),
                    "style": string("A style the model lists."),
                    "user": string("An end-user identifier."),
                    "source": .object(["type": "string", "enum": .array(ImageRequest.sources.map { .string($0) })]),
                    "wait_seconds": waitSeconds,
                    "include_image_data": includeImageData,
                ]),
                "required": ["prompt", "model"],
                "additionalProperties": false,
            ]),
            "outputSchema": jobOutput,
            "annotations": .object(["title": "Generate image", "readOnlyHint": false, "destructiveHint": false,
                                    "idempotentHint": false, "openWorldHint": true]),
        ]
        if withTasks { generateTool["execution"] = .object(["taskSupport": "optional"]) }
        return [
            .object(generateTool),
            MCPEditImageTool.definition(withTasks: withTasks),
            .object([
                "name": .string(status),
                "title": "Get image job status",
                "description": "The status of an image job by its logId; with wait_seconds, waits for it to finish. Finished images come back as links.",
                "inputSchema": .object([
                    "type": "object",
                    "properties": .object([
                        "logId": .object(["type": "string", "pattern": "^[0-9a-fA-F]{24}$", "description": "The id generate_image returned."]),
                        "wait_seconds": waitSeconds,
                        "include_image_data": includeImageData,
                    ]),
                    "required": ["logId"],
                    "additionalProperties": false,
                ]),
                "outputSchema": jobOutput,
                "annotations": .object(["title": "Get image job status", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
            ]),
            .object([
                "name": .string(models),
                "title": "List image models",
                "description": "The image models AiToEarn offers: generation models (the default) with their sizes, qualities and styles, or with kind \"edit\" the edit models with how many input images each takes (maxInputImages).",
                "inputSchema": .object(["type": "object", "properties": .object(["kind": MCPEditImageTool.modelKind]), "additionalProperties": false]),
                "outputSchema": .object([
                    "type": "object",
                    "properties": .object(["models": .object(["type": "array", "items": .object(["type": "object"])])]),
                    "required": ["models"],
                ]),
                "annotations": .object(["title": "List image models", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
            ]),
        ]
    }
}
