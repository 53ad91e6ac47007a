/// How many connections libcurl may keep (in use and idle): the most transfers that ran at once
/// within the last minute, plus a few spare.
///
/// libcurl counts connections in use against its cap and closes the oldest idle one whenever a
/// transfer hands its connection back over the cap. Its default (4 per running transfer) shrinks
/// too far when few run; a fixed large cap keeps every socket the busiest moment ever opened, for
/// as long as the process lives. Following the recent peak keeps polls on reused connections
/// through a burst and the bursts that follow it, and lets a quieter process shed the rest.
struct ConnectionPoolCap {
    static let spare = 16
    static let windowMs: Int64 = 60_000

    private var peak = 0
    private var peakAtMs: Int64 = .min

    /// The cap, now that `running` transfers run.
    mutating func cap(running: Int, nowMs: Int64) -> Int {
        if running >= peak || nowMs - peakAtMs > Self.windowMs {
            peak = running
            peakAtMs = nowMs
        }
        return peak + Self.spare
    }
}
