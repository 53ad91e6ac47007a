import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.list`: a page of the caller's jobs of one kind, newest first, as the service lists them
/// (`GET /api/ai/logs`): how a caller that lost a job's id finds it again.
struct TaskListMethod: RPCMethod {
    static let name = "task.list"
    let session: Session

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> JobListQuery {
        var r = FieldReader(params: params)
        let q = JobListQuery.read(&r)
        r.rejectUnknown()
        try r.checkParams()
        return q
    }

    func callAsFunction(_ q: JobListQuery, context: RequestContext) async throws -> JSONValue {
        do {
            return try await session.jobs.list(q)
        } catch {
            throw error.rpcError(redactor: session.redactor)
        }
    }
}
