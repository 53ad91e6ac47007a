import AiToEarnCore
import JSONRPC
import JSONValue

/// The adapter's own options of a job method, read once and never sent upstream: how to follow
/// the job, LSP progress, where to save what it makes, and (methods that submit) the idempotency key.
struct JobOptions: Sendable {
    var wait: Bool?
    var timeoutMs: Int?
    var pollIntervalMs: Int?
    var workDoneToken: JSONValue?
    var saveTo: String?
    /// Methods that submit: a repeat of the key follows the first call's job instead (never billed twice).
    var idempotencyKey: String?
    /// Methods that submit: price the job and run every local check, but submit nothing.
    var dryRun = false

    /// Reads the options in the order their issues are listed.
    static func read(_ r: inout FieldReader, submits: Bool) -> JobOptions {
        var o = JobOptions()
        o.wait = r.bool("wait")
        o.timeoutMs = r.integer("timeoutMs", in: 1...PollOptions.maxTimeoutMs).map(Int.init)
        o.pollIntervalMs = r.integer("pollIntervalMs", in: 1...600_000).map(Int.init)
        o.workDoneToken = readToken(&r)
        o.saveTo = r.string("saveTo", nonEmpty: true)
        if submits {
            o.idempotencyKey = readIdempotencyKey(&r, field: "idempotencyKey")
            o.dryRun = r.bool("dryRun") ?? false
        }
        return o
    }

    /// How to follow the job: what the caller set, else the defaults of its kind.
    func poll(waitsByDefault: Bool, video: Bool, settings: Settings) -> PollOptions {
        let defaults = Self.defaults(video: video, settings: settings)
        return PollOptions(wait: wait ?? waitsByDefault, timeoutMs: timeoutMs ?? defaults.timeoutMs,
                           pollIntervalMs: pollIntervalMs ?? defaults.pollIntervalMs)
    }

    /// A video job takes minutes and changes every 30 s at most: its own defaults, not the session's image ones.
    static func defaults(video: Bool, settings: Settings) -> (timeoutMs: Int, pollIntervalMs: Int) {
        video ? (VideoJobs.defaultTimeoutMs, VideoJobs.defaultPollIntervalMs(settings)) : (settings.timeoutMs, settings.pollIntervalMs)
    }

    /// An idempotency key: 1 to 256 characters of the caller's choosing.
    static func readIdempotencyKey(_ r: inout FieldReader, field: String) -> String? {
        guard let key = r.string(field, nonEmpty: true) else { return nil }
        if key.count > 256 { r.fail(field, "must be at most 256 characters") }
        return key
    }

    /// An LSP progress token: a string or an integer.
    private static func readToken(_ r: inout FieldReader) -> JSONValue? {
        guard let v = r.value("workDoneToken") else { return nil }
        switch v {
        case .string, .integer: return v
        default:
            r.fail("workDoneToken", "must be a string or an integer, not \(v.typeName)")
            return nil
        }
    }
}
