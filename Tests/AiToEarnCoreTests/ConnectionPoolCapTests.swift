import Testing
@testable import AiToEarnCore

@Suite("Connection pool cap")
struct ConnectionPoolCapTests {
    /// The caps one pool gives for these (transfers running, time) in turn.
    private func caps(_ steps: [(running: Int, ms: Int64)]) -> [Int] {
        var pool = ConnectionPoolCap()
        return steps.map { pool.cap(running: $0.running, nowMs: $0.ms) }
    }

    @Test("follows the transfers running upward at once, plus 16 spare")
    func followsUp() {
        #expect(caps([(0, 0), (1, 10), (500, 20)]) == [16, 17, 516])
    }

    @Test("keeps a burst's connections for a minute after its peak, so the next burst reuses them")
    func holdsThePeak() {
        #expect(caps([(500, 1_000), (3, 2_000), (0, 61_000), (200, 61_000)]) == [516, 516, 516, 516])
    }

    @Test("sheds the connections of a burst more than a minute old; a new peak restarts the minute")
    func shedsOldPeaks() {
        #expect(caps([(500, 1_000), (2, 61_001), (0, 61_002), (40, 70_000), (1, 129_999), (1, 130_001)])
                == [516, 18, 18, 56, 56, 17])
    }
}
