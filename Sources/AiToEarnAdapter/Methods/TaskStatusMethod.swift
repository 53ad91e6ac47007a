import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.status`: a job's status by logId (an image job) or taskId (a video job); with `wait`, its final status.
struct TaskStatusMethod: JobMethod {
    static let name = "task.status", waitsByDefault = false, title = "Job status"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> JobRef? { JobRef.read(&r) }
    static func isVideo(_ job: JobRef) -> Bool { job.isVideo }

    func run(_ job: JobRef, in call: JobCall) async throws(CoreError) -> JSONValue { try await call.status(job) }
}
