import Diagnostics

/// How many submissions are on the wire right now. A process that ends while one is out may have
/// started a billed job whose id it never received: it says so on its way out.
package final class SubmissionsOnTheWire: Sendable {
    private let count = Locked(0)

    package init() {}

    package var current: Int { count.current }

    /// Runs `body` (one submission) counted.
    func counting<T>(_ body: () async throws(CoreError) -> T) async throws(CoreError) -> T {
        count.withLock { $0 += 1 }
        defer { count.withLock { $0 -= 1 } }
        return try await body()
    }

    /// The warning for the log at exit, when submissions are still out.
    package var exitWarning: String? {
        let n = current
        guard n > 0 else { return nil }
        return "exiting while \(n) submission\(n == 1 ? " was" : "s were") on the wire: "
            + "\(n == 1 ? "a job" : "jobs") may have been submitted and billed without \(n == 1 ? "its id" : "their ids") "
            + "reaching this process; check your AiToEarn job history before submitting again."
    }
}
