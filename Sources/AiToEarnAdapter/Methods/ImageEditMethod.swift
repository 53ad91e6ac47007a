import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.edit`: submit an edit of existing pictures and, by default, follow it to its end.
/// Local files named as inputs are read while the params are decoded, so a bad one is -32602
/// before anything is sent.
struct ImageEditMethod: RPCMethod {
    static let name = "image.edit"
    let session: Session

    struct Params: Sendable {
        var request: EditRequest
        var options: JobOptions
    }

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        let (request, options) = try JobOptions.decode(params, subject: EditRequest.read)
        return Params(request: request, options: options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let start = session.clock.nowMs
        let jobs = session.jobs
        let poll = p.options.poll.resolve(waitByDefault: true, settings: session.settings)
        return try await runJob(context: context, session: session, options: p.options, title: "Editing image") { progress throws(CoreError) in
            try await jobs.edit(p.request, options: poll, saveTo: p.options.saveTo, startMs: start, events: progress.event)
        }
    }
}
