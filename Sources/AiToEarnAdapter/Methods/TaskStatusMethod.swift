import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.status`: a job's status by logId; with `wait`, its final status.
struct TaskStatusMethod: JobMethod {
    static let name = "task.status", waitsByDefault = false, title = "Image job status"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> String? { LogID.read(&r) }

    func run(_ logId: String, in call: JobCall) async throws(CoreError) -> JSONValue { try await call.status(logId) }
}
