import Diagnostics

/// How many images each job this session submitted asked for. A status need not echo `n` (the
/// service's default is 1), and `task.status` would then cut a job asked for 10 down to one; the
/// caller's own n is the allowance, as it is while the submission is followed.
package final class AskedImages: Sendable {
    /// Jobs remembered (only those with n > 1: the default needs no entry); the oldest is forgotten first.
    static let capacity = 4096

    private let asked = Locked<(n: [String: Int64], order: [String])>(([:], []))

    package init() {}

    package func remember(logId: String, n: Int64?) {
        guard let n, n > 1 else { return }
        let key = logId.lowercased()
        asked.withLock { s in
            if s.n.updateValue(n, forKey: key) == nil { s.order.append(key) }
            while s.order.count > Self.capacity { s.n[s.order.removeFirst()] = nil }
        }
    }

    /// The n sent for `logId`, when this session submitted it with one.
    package func n(for logId: String) -> Int64? {
        asked.current.n[logId.lowercased()]
    }
}
