/// How the face that reports an error names its operations and settings, so each message speaks
/// the caller's language (JSON-RPC methods, or MCP tools).
package struct OperationNames: Sendable {
    package var generate: String
    package var status: String
    package var models: String
    /// Where a per-session key goes, after the environment and the key file.
    package var sessionKey: String?
    package var edit: String
    package var videoGenerate: String
    package var videoModels: String

    package init(generate: String, status: String, models: String, sessionKey: String?, edit: String = "image.edit",
                videoGenerate: String = "video.generate", videoModels: String = "video.models") {
        self.videoGenerate = videoGenerate
        self.videoModels = videoModels
        self.generate = generate
        self.status = status
        self.models = models
        self.sessionKey = sessionKey
        self.edit = edit
    }

    /// How to list the models of a kind of job.
    package func models(for kind: ImageJobKind) -> String {
        kind == .edit ? "\(models) with kind \"edit\"" : models
    }

    package static let methods = OperationNames(generate: "image.generate", status: "task.status", models: "image.models",
                                               sessionKey: "initializationOptions.apiKey")
}
