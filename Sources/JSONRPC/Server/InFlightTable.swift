import Foundation
import JSONValue

/// The requests being served, keyed by id, so `$/cancelRequest` and `shutdown` can reach them.
final class InFlightTable: @unchecked Sendable {
    typealias Work = Task<JSONValue?, Never>
    private let condition = NSCondition()
    private var tasks: [JSONValue: [UInt64: Work]] = [:]
    private var next: UInt64 = 0
    private var count = 0

    /// Starts `body` as a task registered under `id` until it finishes.
    @discardableResult
    func start(id: JSONValue, _ body: @escaping @Sendable () async -> JSONValue?) -> Work {
        condition.lock()
        defer { condition.unlock() }
        next += 1
        let serial = next
        // Registered under the lock, so the task cannot remove itself before it is added.
        let task = Task<JSONValue?, Never> {
            let response = await body()
            self.remove(id: id, serial: serial)
            return response
        }
        tasks[id, default: [:]][serial] = task
        count += 1
        return task
    }

    private func remove(id: JSONValue, serial: UInt64) {
        condition.lock()
        if tasks[id]?.removeValue(forKey: serial) != nil { count -= 1 }
        if tasks[id]?.isEmpty == true { tasks[id] = nil }
        condition.broadcast()
        condition.unlock()
    }

    func cancel(id: JSONValue) {
        condition.lock()
        let matching = tasks[id].map { Array($0.values) } ?? []
        condition.unlock()
        for t in matching { t.cancel() }
    }

    /// Cancels every task and returns them so the caller can wait for their answers.
    func cancelAll() -> [Work] {
        condition.lock()
        let all = tasks.values.flatMap { $0.values }
        condition.unlock()
        for t in all { t.cancel() }
        return all
    }

    /// Waits, at most until `deadline`, for every task to finish.
    func waitUntilEmpty(deadline: Date) {
        condition.lock()
        while count > 0, condition.wait(until: deadline) {}
        condition.unlock()
    }
}
