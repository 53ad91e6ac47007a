import AiToEarnCore
import JSONRPC
import JSONValue

/// `rpc.discover`: the OpenRPC document, the same text as `schemas/openrpc.json`.
struct DiscoverMethod: ParamlessMethod {
    static let name = "rpc.discover"

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        try OpenRPCDocument.value.get()
    }
}

/// The OpenRPC document served by `rpc.discover`, parsed once from the embedded text.
enum OpenRPCDocument {
    static let value = parse(OpenRPCText.json)

    /// A text that does not parse is the server's fault, an internal error: never a `null` result
    /// a client would take for the document.
    static func parse(_ text: String) -> Result<JSONValue, RPCError> {
        do {
            return .success(try JSONParser.parse(text))
        } catch {
            return .failure(RPCError(.internalError, "Internal error: the embedded OpenRPC document does not parse (\(error))."))
        }
    }
}
