import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.status`: a job's status by logId; with `wait`, its final status.
struct TaskStatusMethod: JobMethod {
    static let name = "task.status"
    static let waitsByDefault = false
    static let title = "Image job status"
    let session: Session

    static func readSubject(_ r: inout FieldReader) -> String? { LogID.read(&r) }

    func run(_ logId: String, jobs: ImageJobs, poll: PollOptions, saveTo: String?, startMs: Int64,
             events: @escaping @Sendable (JobEvent) -> Void) async throws(CoreError) -> JSONValue {
        try await jobs.status(logId: logId, options: poll, saveTo: saveTo, startMs: startMs, events: events)
    }
}
