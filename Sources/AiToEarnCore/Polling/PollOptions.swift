import JSONValue

/// How a caller wants a job followed: wait or not, for how long, how often.
package struct PollOptions: Sendable, Equatable {
    package var wait: Bool
    package var timeoutMs: Int
    package var pollIntervalMs: Int

    package init(wait: Bool, timeoutMs: Int, pollIntervalMs: Int) {
        self.wait = wait
        self.timeoutMs = timeoutMs
        self.pollIntervalMs = pollIntervalMs
    }

    package static let maxTimeoutMs: Int64 = 86_400_000
}
