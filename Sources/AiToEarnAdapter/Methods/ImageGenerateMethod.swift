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

/// `image.models`: the service's generation models, verbatim; needs no key.
struct ImageModelsMethod: RPCMethod {
    static let name = "image.models"
    let session: Session

    static func decodeParams(_ params: JSONValue?) throws(RPCError) {
        var r = FieldReader(params: params)
        r.rejectUnknown()
        try r.checkParams()
    }

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        do {
            return try await session.jobs.models()
        } catch {
            throw error.rpcError
        }
    }
}

/// `rpc.discover`: the OpenRPC document, the same text as `schemas/openrpc.json`.
struct DiscoverMethod: RPCMethod {
    static let name = "rpc.discover"

    static func decodeParams(_ params: JSONValue?) throws(RPCError) {
        var r = FieldReader(params: params)
        r.rejectUnknown()
        try r.checkParams()
    }

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        OpenRPCDocument.value
    }
}
