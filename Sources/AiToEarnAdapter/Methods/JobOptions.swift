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
        // A subject reader that returned nothing has recorded why, so checkParams threw above.
        guard let s else { throw RPCError.invalidParams("Invalid params.") }
        return (s, options)
    }
}
