import Diagnostics

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
            let h = s.current ?? initial
            s.current = h
            return h
        }
        onChange(h)
    }
}
