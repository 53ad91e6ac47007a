#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock with one condition variable, for a thread that must sleep until shared state changes
/// (the writer waiting for frames, the reader waiting for room, `shutdown` waiting for requests).
package final class Condition: @unchecked Sendable {
    private let mutex = Lock()
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        #if canImport(Glibc)
        // Timed waits on the monotonic clock, the clock `Deadline` reads.
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        let status = pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
        #else
        let status = pthread_cond_init(cond, nil)
        #endif
        precondition(status == 0, "pthread_cond_init failed (\(status))")
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    package func lock() { mutex.lock() }

    package func unlock() { mutex.unlock() }

    @inline(__always)
    package func withLock<R>(_ body: () throws -> R) rethrows -> R { try mutex.withLock(body) }

    /// Under the lock: sleeps until signalled (or woken spuriously: callers loop on their predicate).
    package func wait() { pthread_cond_wait(cond, mutex.mutex) }

    /// Under the lock: sleeps until signalled or `deadline`; false when the deadline has passed.
    @discardableResult
    package func wait(until deadline: Deadline) -> Bool {
        #if canImport(Glibc)
        guard deadline.uptimeNanoseconds != .max else { wait(); return true }
        var ts = timespec(tv_sec: Int(deadline.uptimeNanoseconds / 1_000_000_000),
                          tv_nsec: Int(deadline.uptimeNanoseconds % 1_000_000_000))
        let status = pthread_cond_timedwait(cond, mutex.mutex, &ts)
        #else
        // Darwin's condition variables cannot take the monotonic clock: wait for what is left.
        let left = deadline.remainingNanoseconds
        guard left > 0 else { return false }
        var ts = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
        let status = pthread_cond_timedwait_relative_np(cond, mutex.mutex, &ts)
        #endif
        return status != ETIMEDOUT
    }

    package func signal() { pthread_cond_signal(cond) }

    package func broadcast() { pthread_cond_broadcast(cond) }
}
