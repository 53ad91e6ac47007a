import AiToEarnCore
import JSONRPC
import JSONValue

/// The adapter's own options shared by `image.generate` and `task.status`; never sent upstream.
struct JobOptions: Sendable {
    var poll: PollRequest
    var workDoneToken: JSONValue?
    var saveTo: String?
    /// Methods that submit: a repeat of the key follows the first call's job instead (never billed twice).
    var idempotencyKey: String?

    static func read(_ r: inout FieldReader, submits: Bool) -> JobOptions {
        JobOptions(poll: PollRequest.read(&r), workDoneToken: ProgressReporter.readToken(&r),
                   saveTo: r.string("saveTo", nonEmpty: true),
                   idempotencyKey: submits ? readIdempotencyKey(&r, field: "idempotencyKey") : nil)
    }

    /// An idempotency key: 1 to 256 characters of the caller's choosing.
    static func readIdempotencyKey(_ r: inout FieldReader, field: String) -> String? {
        guard let key = r.string(field, nonEmpty: true) else { return nil }
        if key.count > 256 { r.fail(field, "must be at most 256 characters") }
        return key
    }

    /// Decodes a job method's params: its own fields (`subject`), these options, nothing else.
    static func decode<Subject>(_ params: JSONValue?, submits: Bool,
                                subject: (inout FieldReader) -> Subject?) throws(RPCError) -> (Subject, JobOptions) {
        var r = FieldReader(params: params)
        let s = subject(&r)
        let options = JobOptions.read(&r, submits: submits)
        r.rejectUnknown()
        try r.checkParams()
        // A subject reader that returned nothing has recorded why, so checkParams threw above.
        guard let s else { throw RPCError.invalidParams("Invalid params.") }
        return (s, options)
    }
}
