/// The adapter's overall state for a status line, and the one thing a person can do about it.
public struct Health: Sendable, Equatable {
    public enum Kind: String, Sendable { case ok, warning, error }
    public enum Action: String, Sendable {
        case setAPIKey = "set-api-key"
        case topUpCredits = "top-up-credits"
        case checkNetwork = "check-network"
    }

    public var kind: Kind
    public var message: String
    public var action: Action?

    public static let ready = Health(kind: .ok, message: "AiToEarn is ready.")
    public static let simulator = Health(kind: .ok, message: "AiToEarn simulator is ready (offline, no credits used).")
    public static let noKey = Health(kind: .warning, message: "No AiToEarn API key is configured.", action: .setAPIKey)
    public static let keyRejected = Health(kind: .error, message: "The AiToEarn API key was rejected.", action: .setAPIKey)
    public static let noCredits = Health(kind: .error, message: "AiToEarn credits are insufficient.", action: .topUpCredits)
    /// Less than a tenth of the spending limit (`--max-credits`) is left.
    public static func limitNearlySpent(_ limit: Double) -> Health {
        Health(kind: .warning, message: "Less than a tenth of the \(CoreError.number(limit))-credit spending limit is left.")
    }
    public static let unreachable = Health(kind: .warning, message: "The AiToEarn service cannot be reached.", action: .checkNetwork)
}
