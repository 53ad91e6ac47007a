import AiToEarnCore
import Diagnostics
import JSONRPC
import JSONValue

extension ErrorCode {
    /// No API key configured, or the service rejected it (upstream 401).
    static let apiKey = ErrorCode(rawValue: -32001)
    /// Any other upstream business code.
    static let upstream = ErrorCode(rawValue: -32010)
    static let jobFailed = ErrorCode(rawValue: -32011)
    static let timedOut = ErrorCode(rawValue: -32012)
    static let unreachable = ErrorCode(rawValue: -32013)
    static let rateLimited = ErrorCode(rawValue: -32014)
    static let saveFailed = ErrorCode(rawValue: -32015)
    /// The spending limit would be passed, or a price cannot be known under it: nothing was sent.
    static let creditLimit = ErrorCode(rawValue: -32016)
}

extension CoreError {
    /// The JSON-RPC error of docs/protocol.md §6: code, the adapter's sentence, and data a program can act on.
    var rpcError: RPCError { rpcError(redactor: nil) }

    /// The same, with text cut for length only after `redactor` has removed secrets from it
    /// (a cut must never leave part of a key behind).
    func rpcError(redactor: Redactor?) -> RPCError {
        var data = JSONObject()
        let code: ErrorCode
        switch kind {
        case .invalidParams(let issues):
            code = .invalidParams
            data["errors"] = .array(issues.map { .object(["path": .string($0.path), "message": .string($0.message)]) })
        case .noAPIKey:
            code = .apiKey
        case .unauthorized(let upstreamCode, let message):
            code = .apiKey
            data["upstreamCode"] = .integer(Int64(upstreamCode))
            data["upstreamMessage"] = .string(message)
        case .upstream(let upstreamCode, let message):
            code = .upstream
            data["upstreamCode"] = .integer(Int64(upstreamCode))
            data["upstreamMessage"] = .string(message)
        case .badLogId(let received, let message):
            code = .upstream
            data["upstreamCode"] = .integer(0)
            data["upstreamMessage"] = .string(message)
            // Enough to recognise, never a megabyte echoed back.
            let raw = received.stringValue ?? String(decoding: received.serialized(), as: UTF8.self)
            let text = redactor?.redact(raw) ?? raw
            data["receivedLogId"] = .string(text.count > 100 ? String(text.prefix(100)) + "…" : text)
        case .jobFailed(let logId, let task):
            code = .jobFailed
            data[idField] = .string(logId)
            data["task"] = task
        case .timedOut(let logId, let task):
            code = .timedOut
            data[idField] = .string(logId)
            data["task"] = task ?? .null
        case .unreachable(let status, let attempts, _, _):
            code = .unreachable
            if let status { data["httpStatus"] = .integer(Int64(status)) }
            data["attempts"] = .integer(Int64(attempts))
        case .noHTTPClient:
            code = .unreachable
            data["attempts"] = .integer(1)
        case .redirected(let status, _):
            code = .unreachable
            data["httpStatus"] = .integer(Int64(status))
            data["attempts"] = .integer(1)
        case .requestTooLarge:
            code = .unreachable
            data["httpStatus"] = .integer(413)
            data["attempts"] = .integer(1)
        case .replyTooLarge:
            code = .unreachable
            data["attempts"] = .integer(1)
        case .rateLimited(let ms):
            code = .rateLimited
            if let ms { data["retryAfterMs"] = .integer(Int64(ms)) }
        case .saveFailed(let logId, let task, let reason):
            code = .saveFailed
            data[idField] = .string(logId)
            data["task"] = task
            data["reason"] = .string(reason)
        case .overLimit(let credits, let committed, let limit, let reason):
            code = .creditLimit
            data["credits"] = credits.map { Price.credits($0).json } ?? .null
            data["committed"] = Price.credits(committed).json
            data["limit"] = Price.credits(limit).json
            if let reason { data["reason"] = .string(reason) }
        case .needsConfirmation(let credits, _, _, _):
            // Only the MCP face asks for confirmation; it says this in its own words.
            code = .creditLimit
            data["credits"] = Price.credits(credits).json
        case .cancelled(let logId):
            code = .requestCancelled
            if let logId { data[idField] = .string(logId) }
        }
        if let logId, data[idField] == nil { data[idField] = .string(logId) }
        if let upstreamRequestId { data["upstreamRequestId"] = .string(upstreamRequestId) }
        return RPCError(code, message, data: .object(data))
    }
}
