import JSONValue

/// How a caller wants a job followed: wait or not, for how long, how often.
public struct PollOptions: Sendable, Equatable {
    public var wait: Bool
    public var timeoutMs: Int
    public var pollIntervalMs: Int

    public init(wait: Bool, timeoutMs: Int, pollIntervalMs: Int) {
        self.wait = wait
        self.timeoutMs = timeoutMs
        self.pollIntervalMs = pollIntervalMs
    }

    public static let maxTimeoutMs: Int64 = 86_400_000
}
