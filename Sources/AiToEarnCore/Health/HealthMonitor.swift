import Diagnostics

/// Tracks the current `Health` and reports each change once, starting when the session does.
package final class HealthMonitor: Sendable {
    private struct State {
        var current: Health?
        var started = false
    }
    private let state = Locked(State())
    private let onChange: @Sendable (Health) -> Void
    /// Turns a reported state into the one to show (an "ok" while the spending limit is nearly spent is a warning).
    private let refine: @Sendable (Health) -> Health

    package init(refine: @escaping @Sendable (Health) -> Health = { $0 }, onChange: @escaping @Sendable (Health) -> Void) {
        (self.refine, self.onChange) = (refine, onChange)
    }

    package func report(_ reported: Health) {
        let h = refine(reported)
        let emit = state.withLock { s -> Bool in
            defer { s.current = h }
            return s.started && s.current != h
        }
        if emit { onChange(h) }
    }

    /// Announces the state so far (or `initial` when nothing happened yet); later changes follow.
    package func start(initial: Health) {
        let h = state.withLock { s -> Health in
            s.started = true
            let h = s.current ?? refine(initial)
            s.current = h
            return h
        }
        onChange(h)
    }
}
