/// The service's endpoints, in one place for the client and the simulator.
public enum UpstreamAPI {
    public static let submitGeneration = "/api/ai/image/generate/async"
    public static let taskPrefix = "/api/ai/image/task/"
    public static let generationModels = "/api/ai/models/image/generation"
    public static let submitEdit = "/api/ai/image/edit/async"
    public static let editModels = "/api/ai/models/image/edit"

    public static let submitVideo = "/api/ai/video/generations"
    public static let videoTaskPrefix = "/api/ai/video/generations/"
    public static let videoModels = "/api/ai/models/video/generation"
    /// The caller's jobs of every kind, newest first, a page at a time.
    public static let jobLogs = "/api/ai/logs"

    public static func task(_ logId: String) -> String { taskPrefix + logId }
    public static func videoTask(_ taskId: String) -> String { videoTaskPrefix + taskId }
}
