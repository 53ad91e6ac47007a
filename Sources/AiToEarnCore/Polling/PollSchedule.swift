/// When to ask for a job's status next.
///
/// The first poll waits `intervalMs`; later ones double up to max(2 s, interval) so a finished job is
/// noticed within 2 s, and after a minute up to max(5 s, interval), since long jobs need less attention.
public struct PollSchedule: Sendable, Equatable {
    public var intervalMs: Int

    public init(intervalMs: Int) { self.intervalMs = max(1, intervalMs) }

    /// The wait before poll number `poll` (1-based), `elapsedMs` after the request arrived.
    public func delayMs(beforePoll poll: Int, elapsedMs: Int64) -> Int64 {
        let p = Int64(intervalMs)
        if poll <= 1 { return p }
        let cap = elapsedMs < 60_000 ? max(2000, p) : max(5000, p)
        let shift = Int64(min(poll - 1, 20))
        return min(p << shift, cap)
    }
}
