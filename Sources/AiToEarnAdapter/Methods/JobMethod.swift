import AiToEarnCore
import JSONRPC
import JSONValue

/// A method that runs an image job: its own fields (`Subject`) plus the shared `JobOptions`,
/// progress around the run, core errors as JSON-RPC errors. Each job method says only what is
/// its own: how to read its subject, whether it waits by default, and which core call it makes.
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
    func run(_ subject: Subject, in call: JobCall) async throws(CoreError) -> JSONValue
}

/// What a job method's core call needs: the core, how to poll, where to save, when the request
/// arrived, and where its progress goes.
struct JobCall: Sendable {
    var jobs: ImageJobs
    var poll: PollOptions
    var saveTo: String?
    var startMs: Int64
    var idempotencyKey: String? = nil
    var events: @Sendable (JobEvent) -> Void
}

extension JobMethod {
    static var submits: Bool { false }

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        let (subject, options) = try JobOptions.decode(params, submits: submits, subject: readSubject)
        return (subject, options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let start = session.clock.nowMs
        let jobs = session.jobs
        let poll = p.options.poll.resolve(waitByDefault: Self.waitsByDefault, settings: session.settings)
        return try await runJob(context: context, session: session, options: p.options, title: Self.title) { progress throws(CoreError) in
            try await run(p.subject, in: JobCall(jobs: jobs, poll: poll, saveTo: p.options.saveTo, startMs: start,
                                                 idempotencyKey: p.options.idempotencyKey, events: progress.event))
        }
    }
}

/// The core's job calls, with the call's settings filled in.
extension JobCall {
    func generate(_ r: ImageRequest) async throws(CoreError) -> JSONValue {
        try await jobs.generate(r, options: poll, saveTo: saveTo, startMs: startMs, idempotencyKey: idempotencyKey, events: events)
    }

    func edit(_ r: EditRequest) async throws(CoreError) -> JSONValue {
        try await jobs.edit(r, options: poll, saveTo: saveTo, startMs: startMs, idempotencyKey: idempotencyKey, events: events)
    }

    func status(_ logId: String) async throws(CoreError) -> JSONValue {
        try await jobs.status(logId: logId, options: poll, saveTo: saveTo, startMs: startMs, events: events)
    }
}
