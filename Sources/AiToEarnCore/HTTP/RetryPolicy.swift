import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When to try again: capped exponential backoff with jitter, `Retry-After` honoured, 4 attempts at most.
package struct RetryPolicy: Sendable, Equatable {
    package var maxAttempts: Int
    package var baseDelayMs: Int
    package var maxDelayMs: Int
    /// A `Retry-After` longer than this is shortened: a caller is waiting.
    package var maxRetryAfterMs: Int

    /// The longest `Retry-After` honoured, in either form.
    package static let retryAfterCapMs = 60_000

    package init(maxAttempts: Int = 4, baseDelayMs: Int = 500, maxDelayMs: Int = 8000,
                maxRetryAfterMs: Int = RetryPolicy.retryAfterCapMs) {
        self.maxAttempts = maxAttempts
        self.baseDelayMs = baseDelayMs
        self.maxDelayMs = maxDelayMs
        self.maxRetryAfterMs = maxRetryAfterMs
    }

    /// The wait after failed attempt `attempt` (1-based). `jitter` in 0..<1 spreads clients apart:
    /// the wait is between half and all of the capped exponential step.
    package func delayMs(afterAttempt attempt: Int, retryAfterMs: Int?, jitter: Double) -> Int {
        if let r = retryAfterMs { return min(max(0, r), maxRetryAfterMs) }
        let shift = min(max(0, attempt - 1), 20)
        let step = min(maxDelayMs, baseDelayMs << shift)
        return step / 2 + Int(Double(step - step / 2) * min(max(jitter, 0), 0.999_999))
    }

    /// `Retry-After` as delta-seconds or an HTTP date, in milliseconds from `now`, at most `retryAfterCapMs`.
    package static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Int? {
        guard let v = value?.trimmingSpaces(), !v.isEmpty else { return nil }
        if let seconds = Double(v), seconds >= 0, seconds.isFinite { return Int(min(seconds * 1000, Double(retryAfterCapMs))) }
        let nowSeconds = now.timeIntervalSince1970
        guard let date = HTTPDate.parse(v, now: Int64(nowSeconds.rounded(.down))) else { return nil }
        return Int(min(max(0, (Double(date) - nowSeconds) * 1000), Double(retryAfterCapMs)))
    }
}
