import Diagnostics

/// How large a job's status replies may be. The service echoes a job's request in every status,
/// so an edit job with inline input images answers with replies as large as those images: its
/// polls may read that much more than the usual 8 MB. Other jobs keep the usual limit.
/// Remembered per logId for the session, so `task.status` can follow an edit job submitted earlier.
package final class StatusReplyLimits: Sendable {
    /// Edit jobs remembered; the oldest is forgotten first.
    static let capacity = 1024

    private let extra = Locked<(bytes: [String: Int], order: [String])>(([:], []))

    package init() {}

    /// The limit for a job whose request carries `inlineBytes` of data URIs: the usual limit, those
    /// bytes, and a sixteenth more for escaping (`/` may come back as `\/`).
    package static func limit(inlineBytes: Int) -> Int {
        HTTPRequest.defaultMaxResponseBytes + inlineBytes + inlineBytes / 16
    }

    package func remember(logId: String, inlineBytes: Int) {
        guard inlineBytes > 0 else { return }
        extra.withLock { s in
            if s.bytes.updateValue(inlineBytes, forKey: logId.lowercased()) == nil { s.order.append(logId.lowercased()) }
            while s.order.count > Self.capacity { s.bytes[s.order.removeFirst()] = nil }
        }
    }

    package func limit(for logId: String) -> Int {
        Self.limit(inlineBytes: extra.current.bytes[logId.lowercased()] ?? 0)
    }
}
