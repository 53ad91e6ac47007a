import AiToEarnCore
import JSONRPC
import JSONValue

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

/// The OpenRPC document served by `rpc.discover`, parsed once from the embedded text.
enum OpenRPCDocument {
    static let value: JSONValue = (try? JSONParser.parse(OpenRPCText.json)) ?? .null
}
