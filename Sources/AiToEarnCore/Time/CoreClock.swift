import Diagnostics

/// Time as the core sees it: a monotonic millisecond reading and a cancellable sleep.
/// Injected everywhere time matters, so tests decide when time passes.
public protocol CoreClock: Sendable {
    var nowMs: Int64 { get }
    /// Throws `CancellationError` when the task is cancelled while sleeping.
    func sleep(ms: Int64) async throws
}

/// The real clock: the monotonic clock `Deadline` and the engine's timed waits read.
public struct SystemClock: CoreClock {
    public init() {}

    public var nowMs: Int64 { Int64(monotonicNanoseconds() / 1_000_000) }

    public func sleep(ms: Int64) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, ms)) * 1_000_000)
    }
}
