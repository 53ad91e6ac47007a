import JSONValue

/// A JSON-RPC error object: a code a program can act on, a sentence a person can read, and optional data.
package struct RPCError: Error, Sendable, Equatable {
    package var code: ErrorCode
    package var message: String
    package var data: JSONValue?

    package init(_ code: ErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    package var json: JSONValue {
        var o = JSONObject(distinctKeys: ["code": .integer(Int64(code.rawValue)), "message": .string(message)])
        if let data { o.append(distinctKey: "data", data) }
        return .object(o)
    }

    package static func invalidParams(_ message: String, data: JSONValue? = nil) -> RPCError {
        RPCError(.invalidParams, message, data: data)
    }

    package static let cancelled = RPCError(.requestCancelled, "The request was cancelled.")
}
