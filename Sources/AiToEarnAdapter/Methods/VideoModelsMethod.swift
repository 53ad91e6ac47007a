import AiToEarnCore
import JSONRPC
import JSONValue

/// `video.models`: the service's video models, verbatim; needs no key.
struct VideoModelsMethod: RPCMethod {
    static let name = "video.models"
    let session: Session

    static func decodeParams(_ params: JSONValue?) throws(RPCError) {
        var r = FieldReader(params: params)
        r.rejectUnknown()
        try r.checkParams()
    }

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        do {
            return try await session.videos.modelList()
        } catch {
            throw error.rpcError
        }
    }
}
