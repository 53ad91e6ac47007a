import AiToEarnCore
import JSONRPC
import JSONValue

/// `video.models`: the service's video models, verbatim; needs no key.
struct VideoModelsMethod: ParamlessMethod {
    static let name = "video.models"
    let session: Session

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        do {
            return try await session.videos.modelList()
        } catch {
            throw error.rpcError
        }
    }
}
