import Diagnostics

/// Time as the core sees it: a monotonic millisecond reading and a cancellable sleep.
/// Injected everywhere time matters, so tests decide when time passes.
package protocol CoreClock: Sendable {
    var nowMs: Int64 { get }
    /// Throws `CancellationError` when the task is cancelled while sleeping.
    func sleep(ms: Int64) async throws
}

/// The real clock: the monotonic clock `Deadline` and the engine's timed waits read.
package struct SystemClock: CoreClock {
    package init() {}

    package var nowMs: Int64 { Int64(monotonicNanoseconds() / 1_000_000) }

    package func sleep(ms: Int64) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, ms)) * 1_000_000)
    }
}
