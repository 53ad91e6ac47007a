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

/// The polling fields a caller may set; unset ones fall back to the session's settings.
public struct PollRequest: Sendable, Equatable {
    public var wait: Bool?
    public var timeoutMs: Int?
    public var pollIntervalMs: Int?

    /// Reads `wait`, `timeoutMs` and `pollIntervalMs`.
    public static func read(_ r: inout FieldReader) -> PollRequest {
        PollRequest(wait: r.bool("wait"),
                    timeoutMs: r.integer("timeoutMs", in: 1...PollOptions.maxTimeoutMs).map(Int.init),
                    pollIntervalMs: r.integer("pollIntervalMs", in: 1...600_000).map(Int.init))
    }

    public func resolve(waitByDefault: Bool, settings: Settings) -> PollOptions {
        PollOptions(wait: wait ?? waitByDefault, timeoutMs: timeoutMs ?? settings.timeoutMs,
                    pollIntervalMs: pollIntervalMs ?? settings.pollIntervalMs)
    }
}
