/// The service's endpoints, in one place for the client and the simulator.
package enum UpstreamAPI {
    package static let submitGeneration = "/api/ai/image/generate/async"
    package static let taskPrefix = "/api/ai/image/task/"
    package static let generationModels = "/api/ai/models/image/generation"
    package static let submitEdit = "/api/ai/image/edit/async"
    package static let editModels = "/api/ai/models/image/edit"

    package static let submitVideo = "/api/ai/video/generations"
    package static let videoTaskPrefix = "/api/ai/video/generations/"
    package static let videoModels = "/api/ai/models/video/generation"
    /// The caller's jobs of every kind, newest first, a page at a time.
    package static let jobLogs = "/api/ai/logs"

    package static func task(_ logId: String) -> String { taskPrefix + logId }
    package static func videoTask(_ taskId: String) -> String { videoTaskPrefix + taskId }
}
