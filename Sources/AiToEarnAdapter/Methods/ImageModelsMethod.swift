import AiToEarnCore
import JSONRPC
import JSONValue

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
