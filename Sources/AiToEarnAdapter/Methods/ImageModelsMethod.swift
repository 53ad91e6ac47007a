import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.models`: the service's models of one kind (`generation` by default, or `edit`),
/// verbatim; needs no key.
struct ImageModelsMethod: RPCMethod {
    static let name = "image.models"
    let session: Session

    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> ImageJobKind {
        var r = FieldReader(params: params)
        let kind = r.oneOf("kind", ImageJobKind.allCases.map(\.rawValue)).flatMap(ImageJobKind.init(rawValue:))
        r.rejectUnknown()
        try r.checkParams()
        return kind ?? .generation
    }

    func callAsFunction(_ kind: ImageJobKind, context: RequestContext) async throws -> JSONValue {
        do {
            return try await session.jobs.models(kind: kind)
        } catch {
            throw error.rpcError
        }
    }
}
