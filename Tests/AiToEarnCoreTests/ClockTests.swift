import Diagnostics
import Testing
@testable import AiToEarnCore

@Suite("Clocks: one monotonic reading")
struct ClockTests {
    @Test("SystemClock and the curl loop read the monotonic clock that Deadline reads")
    func oneMonotonicClock() {
        let before = Int64(monotonicNanoseconds() / 1_000_000)
        let system = SystemClock().nowMs
        let curl = CurlEventLoop.nowMs
        let after = Int64(monotonicNanoseconds() / 1_000_000)
        #expect(before <= system && system <= curl && curl <= after)
    }
}
