import AiToEarnCore
import JSONRPC
import JSONValue

/// The adapter's own options shared by `image.generate` and `task.status`; never sent upstream.
struct JobOptions: Sendable {
    var poll: PollRequest
    var workDoneToken: JSONValue?
    var saveTo: String?

    static func read(_ r: inout FieldReader) -> JobOptions {
        JobOptions(poll: PollRequest.read(&r), workDoneToken: ProgressReporter.readToken(&r),
                   saveTo: r.string("saveTo", nonEmpty: true))
    }

    /// Decodes a job method's params: its own fields (`subject`), these options, nothing else.
    static func decode<Subject>(_ params: JSONValue?, subject: (inout FieldReader) -> Subject?) throws(RPCError) -> (Subject, JobOptions) {
        var r = FieldReader(params: params)
        let s = subject(&r)
        let options = JobOptions.read(&r)
        r.rejectUnknown()
        try r.checkParams()
        return (s!, options)
    }
}

/// Runs a core job for a request: progress begin/end around it, core errors as JSON-RPC errors.
func runJob(context: RequestContext, session: Session, options: JobOptions, title: String,
            _ body: @Sendable (ProgressReporter) async throws(CoreError) -> JSONValue) async throws(RPCError) -> JSONValue {
    let progress = ProgressReporter(context: context, token: options.workDoneToken, title: title)
    do {
        let result = try await body(progress)
        progress.end(result["status"]?.stringValue ?? "done")
        return result
    } catch {
        progress.end(error.message)
        session.logger.info("request \(context.id) ended: \(error.message)")
        throw error.rpcError
    }
}
