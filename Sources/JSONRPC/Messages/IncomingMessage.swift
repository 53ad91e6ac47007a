import JSONValue

/// One element of input, classified by its shape (id? method? result? error?) in a single pass.
package enum IncomingMessage: Sendable, Equatable {
    case request(id: JSONValue, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    /// A reply to a request we sent; the adapter sends none, so these are ignored.
    case response(id: JSONValue)
    /// Not a valid JSON-RPC message: answer with this error and this id (null when unknown).
    case invalid(id: JSONValue, error: RPCError)

    package init(_ value: JSONValue) {
        guard case .object(let o) = value else {
            self = .invalid(id: .null, error: RPCError(.invalidRequest, "A JSON-RPC message must be an object."))
            return
        }
        let rawId = o["id"]
        let idIsValid: Bool
        switch rawId {
        case nil, .null?, .string?, .integer?, .double?, .numberLiteral?: idIsValid = true
        default: idIsValid = false
        }
        let replyId = idIsValid ? (rawId ?? .null) : .null
        guard o["jsonrpc"] == .string("2.0") else {
            self = .invalid(id: replyId, error: RPCError(.invalidRequest, "The message must carry \"jsonrpc\": \"2.0\"."))
            return
        }
        guard idIsValid else {
            self = .invalid(id: .null, error: RPCError(.invalidRequest, "An id must be a string, a number or null."))
            return
        }
        if let method = o["method"] {
            guard case .string(let name) = method else {
                self = .invalid(id: replyId, error: RPCError(.invalidRequest, "\"method\" must be a string."))
                return
            }
            // `"params": null` is the same as no params (pygls, LSP4IJ and others send it).
            let params = o["params"] == .null ? nil : o["params"]
            switch params {
            case nil, .object?, .array?: break
            default:
                self = .invalid(id: replyId, error: RPCError(.invalidRequest, "\"params\" must be an object or an array."))
                return
            }
            if let rawId { self = .request(id: rawId, method: name, params: params) } else { self = .notification(method: name, params: params) }
            return
        }
        if rawId != nil, o["result"] != nil || o["error"] != nil {
            self = .response(id: replyId)
            return
        }
        self = .invalid(id: replyId, error: RPCError(.invalidRequest, "The message is neither a request, a notification nor a response."))
    }
}

extension IncomingMessage {
    /// The method a request or notification names; nil for anything else.
    var methodName: String? {
        switch self {
        case .request(_, let m, _), .notification(let m, _): return m
        default: return nil
        }
    }
}
