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
    /// Whether the subject is a video job, which polls on the video defaults.
    static func isVideo(_ subject: Subject) -> Bool
    func run(_ subject: Subject, in call: JobCall) async throws(CoreError) -> JSONValue
}

/// What a job method's core call needs: the core, how to poll, where to save, when the request
/// arrived, and where its progress goes.
struct JobCall: Sendable {
    var jobs: ImageJobs
    var videos: VideoJobs
    var poll: PollOptions
    var saveTo: String?
    var startMs: Int64
    var idempotencyKey: String? = nil
    var events: @Sendable (JobEvent) -> Void
}

extension JobMethod {
    static var submits: Bool { false }
    static func isVideo(_ subject: Subject) -> Bool { false }

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        let (subject, options) = try JobOptions.decode(params, submits: submits, subject: readSubject)
        return (subject, options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let start = session.clock.nowMs
        let (jobs, videos) = (session.jobs, session.videos)
        var resolved = p.options.poll.resolve(waitByDefault: Self.waitsByDefault, settings: session.settings)
        if Self.isVideo(p.subject) {
            // A video job takes minutes and changes every 30 s at most: its own defaults, not the session's image ones.
            resolved.timeoutMs = p.options.poll.timeoutMs ?? VideoJobs.defaultTimeoutMs
            resolved.pollIntervalMs = p.options.poll.pollIntervalMs ?? VideoJobs.defaultPollIntervalMs(session.settings)
        }
        let poll = resolved
        return try await runJob(context: context, session: session, options: p.options, title: Self.title) { progress throws(CoreError) in
            try await run(p.subject, in: JobCall(jobs: jobs, videos: videos, poll: poll, saveTo: p.options.saveTo, startMs: start,
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

    func status(_ job: JobRef) async throws(CoreError) -> JSONValue {
        switch job {
        case .image(let logId):
            return try await jobs.status(logId: logId, options: poll, saveTo: saveTo, startMs: startMs, events: events)
        case .video(let taskId):
            return try await videos.status(taskId: taskId, options: poll, saveTo: saveTo, startMs: startMs, events: events)
        }
    }

    func video(_ r: VideoRequest) async throws(CoreError) -> JSONValue {
        try await videos.generate(r, options: poll, saveTo: saveTo, startMs: startMs, idempotencyKey: idempotencyKey, events: events)
    }
}
