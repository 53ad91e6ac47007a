import JSONValue

/// Builders for the three kinds of message the server writes (their keys are distinct by
/// construction, so no duplicate check: these run for every message).
package enum OutgoingMessage {
    package static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(JSONObject(distinctKeys: ["jsonrpc": "2.0", "id": id, "result": result]))
    }

    package static func error(id: JSONValue, _ error: RPCError) -> JSONValue {
        .object(JSONObject(distinctKeys: ["jsonrpc": "2.0", "id": id, "error": error.json]))
    }

    package static func notification(_ method: String, _ params: JSONValue?) -> JSONValue {
        var o = JSONObject(distinctKeys: ["jsonrpc": "2.0", "method": .string(method)])
        if let params { o.append(distinctKey: "params", params) }
        return .object(o)
    }
}
