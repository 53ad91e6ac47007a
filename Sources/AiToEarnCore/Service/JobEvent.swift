import JSONValue

/// What the core reports while it follows a job, for progress notifications.
package enum JobEvent: Sendable, Equatable {
    /// The job was accepted upstream. For a video job (`video`), `logId` holds its taskId.
    case submitted(logId: String, status: String, elapsedMs: Int64, video: Bool = false)
    /// A status poll came back (`poll` counts from 1).
    case polled(logId: String, status: String, poll: Int, elapsedMs: Int64, video: Bool = false)
}
