/// The adapter's overall state for a status line, and the one thing a person can do about it.
package struct Health: Sendable, Equatable {
    package enum Kind: String, Sendable { case ok, warning, error }
    package enum Action: String, Sendable {
        case setAPIKey = "set-api-key"
        case topUpCredits = "top-up-credits"
        case checkNetwork = "check-network"
    }

    package var kind: Kind
    package var message: String
    package var action: Action?

    package static let ready = Health(kind: .ok, message: "AiToEarn is ready.")
    package static let simulator = Health(kind: .ok, message: "AiToEarn simulator is ready (offline, no credits used).")
    package static let noKey = Health(kind: .warning, message: "No AiToEarn API key is configured.", action: .setAPIKey)
    package static let keyRejected = Health(kind: .error, message: "The AiToEarn API key was rejected.", action: .setAPIKey)
    package static let noCredits = Health(kind: .error, message: "AiToEarn credits are insufficient.", action: .topUpCredits)
    /// Less than a tenth of the spending limit (`--max-credits`) is left.
    package static func limitNearlySpent(_ limit: Double) -> Health {
        Health(kind: .warning, message: "Less than a tenth of the \(CoreError.number(limit))-credit spending limit is left.")
    }
    package static let unreachable = Health(kind: .warning, message: "The AiToEarn service cannot be reached.", action: .checkNetwork)
}
