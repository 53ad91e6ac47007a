/// When to ask for a job's status next.
///
/// The first poll waits `intervalMs`; later ones double up to max(2 s, interval) so a finished job is
/// noticed within 2 s, and after a minute up to max(5 s, interval), since long jobs need less attention.
///
/// A video job backs off to max(30 s, interval) instead: the service refreshes a video's status
/// from its provider only every 30 s, so asking more often gains nothing.
package struct PollSchedule: Sendable, Equatable {
    package var intervalMs: Int
    package var forVideo: Bool

    package init(intervalMs: Int, forVideo: Bool = false) {
        self.intervalMs = max(1, intervalMs)
        self.forVideo = forVideo
    }

    /// The longest wait between a video job's polls, when the interval asked for is shorter.
    package static let videoCapMs: Int64 = 30_000

    /// The wait before poll number `poll` (1-based), `elapsedMs` after the request arrived.
    package func delayMs(beforePoll poll: Int, elapsedMs: Int64) -> Int64 {
        let p = Int64(intervalMs)
        if poll <= 1 { return p }
        let cap = forVideo ? max(Self.videoCapMs, p) : elapsedMs < 60_000 ? max(2000, p) : max(5000, p)
        let shift = Int64(min(poll - 1, 20))
        return min(p << shift, cap)
    }
}
