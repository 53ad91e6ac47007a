import JSONValue

/// The OpenRPC document served by `rpc.discover`, parsed once from the embedded text.
enum OpenRPCDocument {
    static let value: JSONValue = (try? JSONParser.parse(OpenRPCText.json)) ?? .null
}
