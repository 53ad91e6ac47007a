import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.status`: a job's status by logId (an image job) or taskId (a video job); with `wait`, its final status.
struct TaskStatusMethod: JobMethod {
    static let name = "task.status", waitsByDefault = false, title = "Job status"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> JobRef? { JobRef.read(&r) }
    static func isVideo(_ job: JobRef) -> Bool { job.isVideo }

    func run(_ ref: JobRef, _ job: JobRun) async throws(CoreError) -> JSONValue {
        switch ref {
        case .image(let logId): return try await session.jobs.status(logId: logId, job)
        case .video(let taskId): return try await session.videos.status(taskId: taskId, job)
        }
    }
}
