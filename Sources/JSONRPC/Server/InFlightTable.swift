import Diagnostics
import JSONValue

/// The requests being served, keyed by id, so cancellation and `shutdown` can reach them.
/// Every field is guarded by `condition` (which also lets `waitUntilEmpty` sleep).
final class InFlightTable: @unchecked Sendable {
    typealias Work = Task<JSONValue?, Never>
    private let condition = Condition()
    private var tasks: [JSONValue: [UInt64: Work]] = [:]
    /// Requests cancelled by a protocol that wants no response for them.
    private var silenced: Set<UInt64> = []
    private var next: UInt64 = 0
    private var unnamed: [UInt64: Work] = [:]
    private var count = 0

    /// Starts `body` as a task registered under `id` until it finishes. The body gets a check
    /// that tells whether its response must be dropped.
    @discardableResult
    func start(id: JSONValue, _ body: @escaping @Sendable (_ isSilenced: @Sendable () -> Bool) async -> JSONValue?) -> Work {
        condition.lock()
        defer { condition.unlock() }
        next += 1
        let serial = next
        // Registered under the lock, so the task cannot remove itself before it is added.
        let task = Task<JSONValue?, Never> {
            let response = await body { self.isSilenced(serial) }
            let silent = self.remove(id: id, serial: serial)
            return silent ? nil : response
        }
        tasks[id, default: [:]][serial] = task
        count += 1
        return task
    }

    /// Runs `body` tracked like a request (counted, cancelled and awaited with the rest) but
    /// reachable by no id: work that answers for other requests, such as a batch's reply.
    func startUnnamed(_ body: @escaping @Sendable () async -> Void) {
        condition.lock()
        defer { condition.unlock() }
        next += 1
        let serial = next
        let task = Task<JSONValue?, Never> {
            await body()
            self.removeUnnamed(serial)
            return nil
        }
        unnamed[serial] = task
        count += 1
    }

    private func removeUnnamed(_ serial: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        if unnamed.removeValue(forKey: serial) != nil { count -= 1 }
        condition.broadcast()
    }

    /// Returns whether the finished request was silenced.
    private func remove(id: JSONValue, serial: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if tasks[id]?.removeValue(forKey: serial) != nil { count -= 1 }
        if tasks[id]?.isEmpty == true { tasks[id] = nil }
        condition.broadcast()
        return silenced.remove(serial) != nil
    }

    private func isSilenced(_ serial: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return silenced.contains(serial)
    }

    /// Waits up to `timeout` for fewer than `limit` requests to be running; true when they are.
    func hasRoom(below limit: Int, waiting timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if count < limit { return true }
        let deadline = Deadline.after(seconds: timeout)
        while count >= limit {
            if !condition.wait(until: deadline) { break }
        }
        return count < limit
    }

    /// Cancels the requests with this id; `silently` means they must send no response at all.
    func cancel(id: JSONValue, silently: Bool = false) {
        condition.lock()
        let matching = tasks[id] ?? [:]
        if silently { silenced.formUnion(matching.keys) }
        condition.unlock()
        for t in matching.values { t.cancel() }
    }

    /// Cancels every task and returns them so the caller can wait for their answers.
    func cancelAll() -> [Work] {
        condition.lock()
        let all = tasks.values.flatMap { $0.values } + unnamed.values
        condition.unlock()
        for t in all { t.cancel() }
        return all
    }

    /// Waits, at most until `deadline`, for every task to finish.
    func waitUntilEmpty(deadline: Deadline) {
        condition.lock()
        while count > 0, condition.wait(until: deadline) {}
        condition.unlock()
    }
}
