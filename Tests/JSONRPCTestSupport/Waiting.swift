#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Diagnostics
import JSONValue

// MARK: - Waiting without blocking the cooperative pool

/// Runs a blocking wait on a thread of its own and resumes with its result.
package func offload<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        startThread(name: "test.offload") { continuation.resume(returning: body()) }
    }
}

extension Condition {
    /// Blocks until `holds` (checked with the lock taken) is true or `timeout` has passed;
    /// returns whether it holds. Call only from an engine thread (a hook) or through `offload`.
    package func wait(timeout: TimeInterval, until holds: () -> Bool) -> Bool {
        let deadline = Deadline.after(seconds: timeout)
        lock()
        defer { unlock() }
        while !holds() {
            if !wait(until: deadline) { return holds() }
        }
        return true
    }
}

/// A flag one side raises and the other waits for with a timeout (for code on engine threads).
package final class Flag: @unchecked Sendable {
    package init() {}

    private let condition = Condition()
    private var raised = false

    package func raise() {
        condition.lock()
        raised = true
        condition.broadcast()
        condition.unlock()
    }

    package var isRaised: Bool {
        condition.lock()
        defer { condition.unlock() }
        return raised
    }

    /// Blocks: call only from an engine thread (a hook) or through `offload`.
    package func wait(timeout: TimeInterval = 5) -> Bool {
        condition.wait(timeout: timeout) { raised }
    }
}

/// A gate test methods await without holding a thread; a cancelled waiter gives up.
package final class AsyncGate: @unchecked Sendable {
    package init() {}

    private let lock = Lock()
    private var isOpen = false
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    package func open() {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            isOpen = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for c in ready { c.resume() }
    }

    /// Returns once the gate is open, or at once when the task is cancelled.
    package func wait() async {
        let key = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = lock.withLock { () -> Bool in
                    if isOpen || Task.isCancelled { return true }
                    waiters[key] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = lock.withLock { waiters.removeValue(forKey: key) }
            c?.resume()
        }
    }
}

/// The ids of the requests whose method body has begun: once it has, the request is registered
/// and `cancelRequest` reaches it.
package final class Started: @unchecked Sendable {
    package init() {}

    private let condition = Condition()
    private var ids: [JSONValue] = []

    package func record(_ id: JSONValue) {
        condition.lock()
        ids.append(id)
        condition.broadcast()
        condition.unlock()
    }

    package func wait(for wanted: [JSONValue], timeout: TimeInterval = 5) async -> Bool {
        await offload { [self] in condition.wait(timeout: timeout) { wanted.allSatisfy(ids.contains) } }
    }
}

/// Records what `exit` was called with, and what had been written by then.
package final class ExitRecorder: @unchecked Sendable {
    package init() {}

    private let condition = Condition()
    private var statuses: [Int32] = []
    private var snapshots: [[UInt8]] = []
    private var times: [Date] = []

    package func record(_ status: Int32, written: [UInt8]) {
        condition.lock()
        statuses.append(status)
        snapshots.append(written)
        times.append(Date())
        condition.broadcast()
        condition.unlock()
    }

    package var all: [Int32] {
        condition.lock()
        defer { condition.unlock() }
        return statuses
    }

    /// The output as it stood when `exit` was first called.
    package var writtenAtExit: [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        return snapshots.first
    }

    package var firstTime: Date? {
        condition.lock()
        defer { condition.unlock() }
        return times.first
    }

    /// Waits for the first call; returns its status, nil on timeout.
    package func wait(timeout: TimeInterval = 5) async -> Int32? {
        await offload { [self] in
            _ = condition.wait(timeout: timeout) { !statuses.isEmpty }
            return all.first
        }
    }
}
