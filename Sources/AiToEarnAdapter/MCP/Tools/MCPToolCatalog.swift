import AiToEarnCore
import JSONValue

/// The tools the MCP face offers, with their input and output schemas.
enum MCPToolCatalog {
    static let generate = "generate_image"
    static let status = "get_task_status"
    static let models = "list_image_models"
    static let listJobs = "list_jobs"
    /// The tools that submit a job, and so may run as a task.
    static let taskTools = [generate, MCPEditImageTool.name, MCPVideoTool.name]

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

    /// A string property and what it means: the one shape of a described string in the tool schemas.
    static func string(_ d: String) -> JSONValue { .object(["type": "string", "description": .string(d)]) }

    /// An optional argument, shaped for strict tool schemas (OpenAI strict mode, and the
    /// converters of openai-agents, LangChain and pydantic-ai): nullable, its default said in
    /// words rather than as `default`, since strict conversion makes every field required.
    static func optional(_ schema: JSONValue) -> JSONValue {
        guard case .object(var o) = schema else { return schema }
        if let t = o["type"]?.stringValue { o["type"] = [.string(t), "null"] }
        if case .array(let values)? = o["enum"] { o["enum"] = .array(values + [.null]) }
        return .object(o)
    }

    /// A tool's `inputSchema`: every property listed as required (optional ones are nullable),
    /// nothing else accepted; a null argument counts as absent.
    static func inputSchema(_ properties: [(String, JSONValue)]) -> JSONValue {
        .object([
            "type": "object",
            "properties": .object(JSONObject(properties)),
            "required": .array(properties.map { .string($0.0) }),
            "additionalProperties": false,
        ])
    }

    static let waitSeconds: JSONValue = optional(.object([
        "type": "integer", "minimum": 0, "maximum": 600,
        "description": "How long to wait for the job to finish before returning its logId and status, in seconds (null: the tool's default).",
    ]))
    static let includeImageData: JSONValue = optional(.object([
        "type": "boolean",
        "description": "Also return images that arrive as base64 as image content (under 1 MB in total); otherwise (null or false) they are saved and linked.",
    ]))
    static let idempotencyKey: JSONValue = optional(.object([
        "type": "string",
        "description": .string("Optional, 1 to 256 characters of your choosing: repeat the same key to retry this call safely. A call "
            + "with a key used before in this server process submits nothing (it is never billed twice): it returns the first "
            + "call's job, waiting for it as the first call would. The same key with other arguments is an error. Null: no key."),
    ]))
    static let prompt = string("What to draw: 1 to 4000 UTF-16 code units.")

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
                    "reason": string("Why the image has no link (the service sent no usable URL for it)."),
                ]),
                "required": ["mimeType"],
            ])]),
            "errorMessage": string("Why the job failed (status failed)."),
            "message": string("What to do next."),
            "credits": MCPCredits.schema,
        ]),
        "required": ["logId", "status", "images"],
    ])

    /// `get_task_status`'s result: an image job's (`logId`, `images`) or a video job's (`taskId`, `video`, `cover`).
    static let statusOutput: JSONValue = {
        guard case .object(var o) = jobOutput, case .object(var props)? = o["properties"],
              case .object(let video) = MCPVideoTool.output, case .object(let videoProps)? = video["properties"] else { return jobOutput }
        props["status"] = string("The service's status: generating, success or failed for an image job; SUBMITTED, InProgress, "
            + "SUCCESS or FAILURE for a video job.")
        for key in ["taskId", "video", "cover"] { props[key] = videoProps[key] }
        props["logId"] = string("The image job's id (absent for a video job).")
        o["properties"] = .object(props)
        o["required"] = ["status"]
        return .object(o)
    }()

    static func tools(withTasks: Bool) -> [JSONValue] {
        var generateTool: JSONObject = [
            "name": .string(generate),
            "title": "Generate image",
            "description": .string("Generate images from a text prompt with AiToEarn. Submits a billed job, waits up to wait_seconds (null: 45) for it, and returns the images as links (saved files or URLs). A job still running is returned with its logId: call get_task_status to follow it. Never call again to retry a job that was submitted (it would be billed twice): follow its logId, or pass the same idempotency_key. A call that carries a progressToken is answered in place (with progress), also for clients that take tasks." + MCPCredits.description),
            "inputSchema": inputSchema([
                ("prompt", prompt),
                ("model", string("A model name from list_image_models.")),
                ("n", optional(.object(["type": "integer", "minimum": 1, "maximum": 10, "description": "How many images, 1 to 10 (null: 1)."]))),
                ("quality", optional(string("A quality the model lists (null: the model's own)."))),
                ("response_format", optional(.object(["type": "string", "enum": .array(ImageRequest.responseFormats.map { .string($0) }),
                                                      "description": "How the service delivers the images (null: its default)."]))),
                ("size", optional(string("A size the model lists, such as 1024x1024 (null: the model's own)."))),
                ("style", optional(string("A style the model lists (null: none)."))),
                ("user", optional(string("An end-user identifier (null: none)."))),
                ("source", optional(.object(["type": "string", "enum": .array(ImageRequest.sources.map { .string($0) }),
                                             "description": "Where the request comes from (null: not said)."]))),
                ("wait_seconds", waitSeconds),
                ("include_image_data", includeImageData),
                ("idempotency_key", idempotencyKey),
                ("confirm_credits", MCPCredits.confirmArgument),
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
                "title": "Get job status",
                "description": "The status of a job: an image job by its logId, or a video job by its taskId (give exactly one, the other null); with wait_seconds (null or 0: do not wait), waits for it to finish. Finished images, and a finished video and its cover, come back as links.",
                "inputSchema": inputSchema([
                    ("logId", optional(.object(["type": "string", "pattern": "^[0-9a-fA-F]{24}$",
                                                "description": "The id generate_image or edit_image returned (null for a video job)."]))),
                    ("taskId", optional(.object(["type": "string", "pattern": "^[0-9a-fA-F]{24}$",
                                                 "description": "The id generate_video returned (null for an image job)."]))),
                    ("wait_seconds", waitSeconds),
                    ("include_image_data", includeImageData),
                ]),
                "outputSchema": statusOutput,
                "annotations": .object(["title": "Get job status", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
            ]),
            .object([
                "name": .string(models),
                "title": "List image models",
                "description": "The image models AiToEarn offers: generation models (the default) with their sizes, qualities and styles, or with kind \"edit\" the edit models with how many input images each takes (maxInputImages).",
                "inputSchema": inputSchema([("kind", MCPEditImageTool.modelKind)]),
                "outputSchema": .object([
                    "type": "object",
                    "properties": .object(["models": .object(["type": "array", "items": .object(["type": "object"])])]),
                    "required": ["models"],
                ]),
                "annotations": .object(["title": "List image models", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
            ]),
            MCPVideoTool.definition(withTasks: withTasks),
            MCPVideoTool.modelsDefinition,
            listJobsDefinition,
        ]
    }

    /// `list_jobs`: the way back to a job whose id was lost.
    static let listJobsDefinition: JSONValue = .object([
        "name": .string(listJobs),
        "title": "List recent jobs",
        "description": .string("The caller's recent AiToEarn jobs of one kind (image jobs by default, or video jobs), newest "
            + "first, a page at a time, as the service lists them: each with its id, model, status and times. Use it to find a "
            + "job whose id was lost (a call that timed out, a restarted client), then call get_task_status with that id "
            + "(logId for an image job, taskId for a video job) instead of submitting the job again. Submits nothing."),
        "inputSchema": inputSchema([
            ("kind", optional(.object(["type": "string", "enum": .array(JobListQuery.Kind.allCases.map { .string($0.rawValue) }),
                                       "description": "Which jobs: \"image\" (generations and edits; also null) or \"video\"."]))),
            ("status", optional(.object(["type": "string", "enum": .array(JobListQuery.statuses.map { .string($0) }),
                                         "description": "Only jobs in this state (null: any)."]))),
            ("model", optional(string("Only jobs of this model (null: any)."))),
            ("page", optional(.object(["type": "integer", "minimum": 1, "description": "Which page, from 1 (null: 1)."]))),
            ("page_size", optional(.object(["type": "integer", "minimum": 1, "maximum": .integer(JobListQuery.maxPageSize),
                                            "description": "Jobs per page, at most 100 (null: 20)."]))),
        ]),
        "outputSchema": .object([
            "type": "object",
            "properties": .object([
                "page": .object(["type": "integer"]), "pageSize": .object(["type": "integer"]),
                "totalPages": .object(["type": "integer"]), "total": .object(["type": "integer"]),
                "list": .object(["type": "array", "items": .object([
                    "type": "object",
                    "properties": .object([
                        "id": string("The job's id: its logId (image) or taskId (video)."),
                        "type": string("image or video."), "model": string("The model."),
                        "status": string("generating, success or failed."),
                        "createdAt": string("When it was submitted (ISO 8601)."),
                    ]),
                ])]),
            ]),
        ]),
        "annotations": .object(["title": "List recent jobs", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": true]),
    ])
}
