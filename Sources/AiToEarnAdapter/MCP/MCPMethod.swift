import JSONRPC
import JSONValue

/// MCP methods take their params whole: MCP adds `_meta` and `task` fields of its own.
protocol MCPMethod: RPCMethod where Params == JSONValue?, Result == JSONValue {
    var session: Session { get }
}

extension MCPMethod {
    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> JSONValue? {
        if let p = params, p.objectValue == nil, p != .null { throw RPCError.invalidParams("params must be an object.") }
        return params
    }
}

/// The `taskId` every tasks/* request names.
func taskId(_ p: JSONValue?) throws(RPCError) -> String {
    guard let id = p?["taskId"]?.stringValue else { throw RPCError.invalidParams("taskId is required.") }
    return id
}
