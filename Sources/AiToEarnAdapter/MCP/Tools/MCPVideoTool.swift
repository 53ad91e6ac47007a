import AiToEarnCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// The `generate_video` and `list_video_models` tools, and the shape of a video job's result:
/// the job's taskId and status, and links to the saved video and cover.
enum MCPVideoTool {
    static let name = "generate_video"
    static let models = "list_video_models"

    private static func optional(_ d: String) -> JSONValue { MCPToolCatalog.optional(MCPToolCatalog.string(d)) }

    private static let picture = "an absolute path or file:// URI of a local PNG, JPEG or WebP file (read by the server and sent "
        + "inline), or an http(s) URL the service fetches itself"

    /// A saved file or a URL, as the result names it.
    private static let media: JSONValue = .object([
        "type": "object",
        "properties": .object([
            "url": MCPToolCatalog.string("A file:// URL of the saved copy, or the service's URL when it was not saved."),
            "path": MCPToolCatalog.string("The local file it was saved to."),
            "mimeType": MCPToolCatalog.string("Its media type."),
        ]),
        "required": ["mimeType"],
    ])

    /// What a video job's result looks like in `structuredContent`.
    static let output: JSONValue = .object([
        "type": "object",
        "properties": .object([
            "taskId": MCPToolCatalog.string("The video job's id; pass it to get_task_status as taskId."),
            "status": MCPToolCatalog.string("The service's status: SUBMITTED, InProgress, then SUCCESS or FAILURE."),
            "video": media,
            "cover": media,
            "errorMessage": MCPToolCatalog.string("Why the job failed (status FAILURE)."),
            "message": MCPToolCatalog.string("What to do next."),
            "credits": MCPCredits.schema,
        ]),
        "required": ["taskId", "status"],
    ])

    static func definition(withTasks: Bool) -> JSONValue {
        var tool: JSONObject = [
            "name": .string(name),
            "title": "Generate video",
            "description": .string("Generate a short video with AiToEarn from a text prompt, optionally from a first (and last) frame or "
                + "reference pictures. Submits a billed job (one to ten minutes), waits up to wait_seconds (null: 45) for it, and returns "
                + "links to the saved video and its cover. A job still running is returned with its taskId: call get_task_status "
                + "with taskId to follow it, never generate_video again. Pick a model, and its modes, resolutions, ratios and durations, "
                + "from list_video_models." + MCPCredits.description),
            "inputSchema": MCPToolCatalog.inputSchema([
                ("prompt", MCPToolCatalog.string("What the video shows: 1 to 4000 UTF-16 code units.")),
                ("model", MCPToolCatalog.string("A video model name from list_video_models.")),
                ("mode", optional("One of the model's modes, e.g. text2video or image2video (null: the model's own).")),
                ("resolution", optional("One of the model's resolutions, e.g. 720p (null: the model's default).")),
                ("ratio", optional("One of the model's aspectRatios, e.g. 16:9 (null: the model's default).")),
                ("duration", MCPToolCatalog.optional(.object(["type": "number", "description": "Seconds, one of the model's durations (null: the model's default)."]))),
                ("image", MCPToolCatalog.optional(.object(["type": "array", "minItems": 1, "items": .object(["type": "string"]),
                                                           "description": .string("The first frame, or reference pictures (null: none). Each is " + picture + ".")]))),
                ("image_tail", optional("The last frame, with exactly one picture in image (null: none); " + picture + ".")),
                ("images", MCPToolCatalog.optional(.object(["type": "array", "items": .object(["type": "string"]),
                                                            "description": .string("More reference pictures (null: none); " + picture + ".")]))),
                ("seed", MCPToolCatalog.optional(.object(["type": "integer", "description": "A seed for the provider (null: random)."]))),
                ("watermark", MCPToolCatalog.optional(.object(["type": "boolean", "description": "Whether the provider adds its watermark (null: its default)."]))),
                ("source", MCPToolCatalog.optional(.object(["type": "string", "enum": .array(VideoRequest.sources.map { .string($0) }),
                                                            "description": "Where the request comes from (null: not said)."]))),
                ("wait_seconds", MCPToolCatalog.waitSeconds),
                ("idempotency_key", MCPToolCatalog.idempotencyKey),
                ("confirm_credits", MCPCredits.confirmArgument),
            ]),
            "outputSchema": output,
            "annotations": .object(["title": "Generate video", "readOnlyHint": false, "destructiveHint": false,
                                    "idempotentHint": false, "openWorldHint": true]),
        ]
        if withTasks { tool["execution"] = .object(["taskSupport": "optional"]) }
        return .object(tool)
    }

    static let modelsDefinition: JSONValue = .object([
        "name": .string(models),
        "title": "List video models",
        "description": "The video models AiToEarn offers, each with its modes, resolutions, aspect ratios, durations, how many pictures it takes (maxInputImages), its defaults and its pricing rows (credits).",
        "inputSchema": MCPToolCatalog.inputSchema([]),
        "outputSchema": .object([
            "type": "object",
            "properties": .object(["models": .object(["type": "array", "items": .object(["type": "object"])])]),
            "required": ["models"],
        ]),
        "annotations": .object(["title": "List video models", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
    ])

    /// A video job's result: finished (`saved` holds the video's then the cover's path) or not yet.
    static func result(_ task: JSONValue, saved: [String], isError: Bool) -> JSONValue {
        let taskId = task["id"]?.stringValue ?? ""
        let status = task["status"]?.stringValue ?? ""
        var structured: JSONObject = ["taskId": .string(taskId), "status": .string(status)]
        var links: [JSONValue] = []
        for (key, url, index) in [("video", task["videoUrl"]?.stringValue, 0), ("cover", task["coverUrl"]?.stringValue, 1)] {
            let path = saved.count > index ? saved[index] : nil
            guard let uri = path.map({ URL(fileURLWithPath: $0).absoluteString }) ?? url else { continue }
            let mime = key == "video" ? videoMediaType(uri) : MCPToolResult.imageMediaType(uri, base64: nil)
            var entry: JSONObject = ["url": .string(uri), "mimeType": .string(mime)]
            if let path { entry["path"] = .string(path) }
            structured[key] = .object(entry)
            links.append(.object(["type": "resource_link", "uri": .string(uri), "name": .string("\(taskId)-\(key)"), "mimeType": .string(mime),
                                  "description": .string(key == "video" ? "The video of job \(taskId)" : "The cover of video job \(taskId)")]))
        }
        switch VideoJobs.Outcome(status: status) {
        case .failed:
            let reason = task["error"]?["message"]?.stringValue ?? "no reason given"
            structured["errorMessage"] = .string(reason)
            structured["message"] = .string("The video job failed: \(MCPToolResult.sentence(reason)) Change the prompt, pictures or model and try again.")
        case .running:
            structured["message"] = .string(pendingMessage(taskId))
        case .succeeded:
            break
        }
        return MCPToolResult.result(structured: structured, extra: links, isError: isError)
    }

    static func pendingMessage(_ taskId: String) -> String {
        "The video job is still running (it is billed: do not submit it again). Call get_task_status with taskId \(taskId) "
            + "(and wait_seconds) to get the video; video jobs take one to ten minutes."
    }

    private static func videoMediaType(_ uri: String) -> String {
        let lower = uri.lowercased().split(separator: "?").first.map(String.init) ?? ""
        if lower.hasSuffix(".webm") { return "video/webm" }
        if lower.hasSuffix(".mov") { return "video/quicktime" }
        if lower.hasSuffix(".mkv") { return "video/x-matroska" }
        return "video/mp4"
    }
}
