import AiToEarnCore
import JSONRPC

extension FieldReader {
    /// The end of reading a method's params: -32602 listing every broken rule, if any.
    func checkParams() throws(RPCError) {
        if !issues.isEmpty { throw CoreError(.invalidParams(issues)).rpcError }
    }
}
