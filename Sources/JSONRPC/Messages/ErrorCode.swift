/// A JSON-RPC error code; an open set, extended with application codes where they are defined.
package struct ErrorCode: RawRepresentable, Hashable, Sendable {
    package let rawValue: Int
    package init(rawValue: Int) { self.rawValue = rawValue }

    package static let parseError = ErrorCode(rawValue: -32700)
    package static let invalidRequest = ErrorCode(rawValue: -32600)
    package static let methodNotFound = ErrorCode(rawValue: -32601)
    package static let invalidParams = ErrorCode(rawValue: -32602)
    package static let internalError = ErrorCode(rawValue: -32603)
    /// LSP's RequestCancelled.
    package static let requestCancelled = ErrorCode(rawValue: -32800)
}
