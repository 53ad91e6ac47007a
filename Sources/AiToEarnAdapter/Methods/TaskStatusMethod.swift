import AiToEarnCore
import JSONRPC
import JSONValue

/// `task.status`: a job's status by logId; with `wait`, its final status.
struct TaskStatusMethod: RPCMethod {
    static let name = "task.status"
    let session: Session

    struct Params: Sendable {
        var logId: String
        var options: JobOptions
    }

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        let (logId, options) = try JobOptions.decode(params, subject: LogID.read)
        return Params(logId: logId, options: options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let start = session.clock.nowMs
        let jobs = session.jobs
        let poll = p.options.poll.resolve(waitByDefault: false, settings: session.settings)
        return try await runJob(context: context, session: session, options: p.options, title: "Image job status") { progress throws(CoreError) in
            try await jobs.status(logId: p.logId, options: poll, saveTo: p.options.saveTo, startMs: start, events: progress.event)
        }
    }
}
