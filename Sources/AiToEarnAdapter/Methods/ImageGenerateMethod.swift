import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.generate`: submit a job and, by default, follow it to its end.
struct ImageGenerateMethod: RPCMethod {
    static let name = "image.generate"
    let session: Session

    struct Params: Sendable {
        var request: ImageRequest
        var options: JobOptions
    }

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params {
        let (request, options) = try JobOptions.decode(params, subject: ImageRequest.read)
        return Params(request: request, options: options)
    }

    func callAsFunction(_ p: Params, context: RequestContext) async throws -> JSONValue {
        let start = session.clock.nowMs
        let jobs = session.jobs
        let poll = p.options.poll.resolve(waitByDefault: true, settings: session.settings)
        return try await runJob(context: context, session: session, options: p.options, title: "Generating image") { progress throws(CoreError) in
            try await jobs.generate(p.request, options: poll, saveTo: p.options.saveTo, startMs: start, events: progress.event)
        }
    }
}
