#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A moment on the monotonic clock, for timed waits: setting the wall clock neither cuts them
/// short nor stretches them.
package struct Deadline: Sendable, Comparable {
    /// Nanoseconds of `CLOCK_MONOTONIC` (from an arbitrary start, the same for the whole process).
    package let uptimeNanoseconds: UInt64

    package init(uptimeNanoseconds: UInt64) { self.uptimeNanoseconds = uptimeNanoseconds }

    package static var now: Deadline { Deadline(uptimeNanoseconds: monotonicNanoseconds()) }

    /// `seconds` from now (a negative or NaN wait is now; a huge one, the end of time).
    package static func after(seconds: Double) -> Deadline {
        let now = monotonicNanoseconds()
        guard seconds > 0 else { return Deadline(uptimeNanoseconds: now) }
        let ns = seconds * 1e9
        guard ns < Double(UInt64.max - now) else { return Deadline(uptimeNanoseconds: .max) }
        return Deadline(uptimeNanoseconds: now + UInt64(ns))
    }

    /// What is left of the wait, zero once it has passed.
    package var remainingNanoseconds: UInt64 {
        let now = monotonicNanoseconds()
        return uptimeNanoseconds > now ? uptimeNanoseconds - now : 0
    }

    package static func < (a: Deadline, b: Deadline) -> Bool { a.uptimeNanoseconds < b.uptimeNanoseconds }
}

/// `CLOCK_MONOTONIC` in nanoseconds.
package func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
