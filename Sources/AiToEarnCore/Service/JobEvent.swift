import JSONValue

/// What the core reports while it follows a job, for progress notifications.
public enum JobEvent: Sendable, Equatable {
    /// The job was accepted upstream.
    case submitted(logId: String, status: String, elapsedMs: Int64)
    /// A status poll came back (`poll` counts from 1).
    case polled(logId: String, status: String, poll: Int, elapsedMs: Int64)
}
