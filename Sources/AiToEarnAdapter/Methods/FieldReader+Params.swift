import AiToEarnCore
import JSONRPC
import JSONValue

extension FieldReader {
    /// The end of reading a method's params: -32602 listing every broken rule, if any.
    func checkParams() throws(RPCError) {
        if !issues.isEmpty { throw CoreError(.invalidParams(issues)).rpcError }
    }
}

/// A method that takes no params: any member given is -32602, by name.
protocol ParamlessMethod: RPCMethod where Params == Void {}

extension ParamlessMethod {
    static func decodeParams(_ params: JSONValue?) throws(RPCError) {
        var r = FieldReader(params: params)
        r.rejectUnknown()
        try r.checkParams()
    }
}
