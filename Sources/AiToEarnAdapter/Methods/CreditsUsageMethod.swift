import AiToEarnCore
import JSONRPC
import JSONValue

/// `credits.usage`: what this process has committed against its spending limit, for every face.
struct CreditsUsageMethod: ParamlessMethod {
    static let name = "credits.usage"
    let session: Session

    func callAsFunction(_ p: Void, context: RequestContext) async throws -> JSONValue {
        Self.usage(session.ledger)
    }

    /// `{ committed, limit, remaining, jobs }`; `limit` and `remaining` null without a limit.
    static func usage(_ ledger: CreditLedger) -> JSONValue {
        let u = ledger.usage
        return .object([
            "committed": Price.credits(u.committed).json,
            "limit": u.limit.map { Price.credits($0).json } ?? .null,
            "remaining": u.remaining.map { Price.credits($0).json } ?? .null,
            "jobs": .integer(Int64(u.jobs)),
        ])
    }
}
