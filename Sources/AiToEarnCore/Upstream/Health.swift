import Diagnostics

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
    public static let unreachable = Health(kind: .warning, message: "The AiToEarn service cannot be reached.", action: .checkNetwork)
}

/// Tracks the current `Health` and reports each change once, starting when the session does.
public final class HealthMonitor: Sendable {
    private struct State {
        var current: Health?
        var started = false
    }
    private let state = Locked(State())
    private let onChange: @Sendable (Health) -> Void

    public init(onChange: @escaping @Sendable (Health) -> Void) { self.onChange = onChange }

    public func report(_ h: Health) {
        let emit = state.withLock { s -> Bool in
            defer { s.current = h }
            return s.started && s.current != h
        }
        if emit { onChange(h) }
    }

    /// Announces the state so far (or `initial` when nothing happened yet); later changes follow.
    public func start(initial: Health) {
        let h = state.withLock { s -> Health in
            s.started = true
            if s.current == nil { s.current = initial }
            return s.current!
        }
        onChange(h)
    }

    public var current: Health? { state.current.current }
}
