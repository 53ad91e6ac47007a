import AiToEarnCore
import JSONRPC
import JSONValue

/// A method that runs a job: its own fields (`Subject`) plus the shared `JobOptions`, progress
/// around the run, core errors as JSON-RPC errors. Each job method says only what is its own:
/// how to read its subject, whether it waits by default, and which core call it makes.
protocol JobMethod: RPCMethod where Params == (subject: Subject, options: JobOptions), Result == JSONValue {
    associatedtype Subject: Sendable
    var session: Session { get }
    init(session: Session)
    static var waitsByDefault: Bool { get }
    /// Whether it submits a billed job (and so takes an idempotency key).
    static var submits: Bool { get }
    /// The `$/progress` title.
    static var title: String { get }
    static func readSubject(_ r: inout FieldReader) -> Subject?
    /// Whether the subject is a video job, which polls on the video defaults.
    static func isVideo(_ subject: Subject) -> Bool
    /// The core call.
    func run(_ subject: Subject, _ job: JobRun) async throws(CoreError) -> JSONValue
}

extension JobMethod {
    static var submits: Bool { false }
    static func isVideo(_ subject: Subject) -> Bool { false }

    /// Its own fields, the job options, nothing else; every broken rule in one -32602.
    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        var r = FieldReader(params: params)
        let subject = readSubject(&r)
        let options = JobOptions.read(&r, submits: submits)
        r.rejectUnknown()
        guard r.issues.isEmpty, let subject else { throw CoreError(.invalidParams(r.issues)).rpcError }
        return (subject, options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let progress = ProgressReporter(context: context, token: p.options.workDoneToken, title: Self.title)
        let job = jobRun(p.options, subject: p.subject, progress: progress)
        do {
            let result = try await run(p.subject, job)
            progress.end(result["status"]?.stringValue ?? "done")
            return result
        } catch {
            throw failed(error, progress: progress, id: context.id)
        }
    }

    // The setup and the failure are plain calls, not inlined: what they build then lives on the
    // thread's stack, not in the job's async frame, which a thousand jobs in flight each hold.
    @inline(never)
    private func jobRun(_ options: JobOptions, subject: Subject, progress: ProgressReporter) -> JobRun {
        let poll = options.poll(waitsByDefault: Self.waitsByDefault, video: Self.isVideo(subject), settings: session.settings)
        var job = JobRun(poll: poll, saveTo: options.saveTo, startMs: session.clock.nowMs,
                         idempotencyKey: options.idempotencyKey, events: progress.event)
        job.credits.dryRun = options.dryRun
        return job
    }

    @inline(never)
    private func failed(_ error: CoreError, progress: ProgressReporter, id: JSONValue) -> RPCError {
        progress.end(error.message)
        if case .cancelled(let logId?) = error.kind {
            // The answer may never be read (the client is going away): the log keeps the billed job's id too.
            session.logger.warn("request \(id) was cancelled: \(CoreError.billedJob(logId, naming: .methods, video: error.video))")
        } else {
            session.logger.info("request \(id) ended: \(error.message)")
        }
        return error.rpcError(redactor: session.redactor)
    }
}
