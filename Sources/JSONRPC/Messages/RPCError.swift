import JSONValue

/// A JSON-RPC error object: a code a program can act on, a sentence a person can read, and optional data.
public struct RPCError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: ErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var json: JSONValue {
        var o = JSONObject(distinctKeys: ["code": .integer(Int64(code.rawValue)), "message": .string(message)])
        if let data { o.append(distinctKey: "data", data) }
        return .object(o)
    }

    public static func invalidParams(_ message: String, data: JSONValue? = nil) -> RPCError {
        RPCError(.invalidParams, message, data: data)
    }

    public static let cancelled = RPCError(.requestCancelled, "The request was cancelled.")
}
