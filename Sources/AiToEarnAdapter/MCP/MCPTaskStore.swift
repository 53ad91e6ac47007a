import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONRPC
import JSONValue

/// MCP tasks: tool calls that run in the background. 2025-11-25 tasks are polled with
/// tasks/get, collected with tasks/result, listed and cancelled; tasks of the 2026-07-28 Tasks
/// extension are polled with tasks/get, which carries the result inline, and cancelled.
final class MCPTaskStore: Sendable {
    static let defaultTTLMs = 3_600_000
    static let maxTTLMs = 86_400_000
    static let pageSize = 50
    /// Each task keeps its tool result for its ttl (an hour by default), some 65 KB with a job's
    /// images listed: without a cap, 10,000 tasks held 650 MB. Finished tasks make room, oldest first.
    static let defaultMaxTasks = 1_000

    let maxTasks: Int
    /// Measures each task's ttl (the session's clock, so tests decide when a task expires).
    private let clock: CoreClock

    init(maxTasks: Int = MCPTaskStore.defaultMaxTasks, clock: CoreClock) {
        self.maxTasks = maxTasks
        self.clock = clock
    }

    private struct Entry {
        var task: JSONObject
        var createdMs: Int64
        var ttlMs: Int
        var result: JSONValue?
        var work: Task<Void, Never>?
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Made for a 2026-07-28 client: shown in that revision's shape, no status notifications.
        var for2026 = false
        /// The AiToEarn job behind the task, once submitted: a cancelled task still names it.
        var logId: String?
        /// A video job: named by taskId, and what it makes is a video.
        var video = false
        var terminal: Bool { ["completed", "failed", "cancelled"].contains(task["status"]?.stringValue ?? "") }
    }

    /// The tasks and their order of creation, under one lock: a task is in both or in neither.
    private struct Table {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var nextWaiter: UInt64 = 0

        mutating func remove(_ ids: [String]) {
            guard !ids.isEmpty else { return }
            for id in ids { entries[id] = nil }
            order.removeAll { ids.contains($0) }
        }
    }

    private let table = Locked(Table())

    /// Creates a task and starts `work` for it; returns the task object for the CreateTaskResult.
    func create(ttlMs: Int?, pollIntervalMs: Int, for2026: Bool = false, video: Bool = false,
                notify: @escaping @Sendable (String, JSONValue) -> Void,
                work: @escaping @Sendable (String) async throws -> JSONValue) throws(RPCError) -> JSONValue {
        purgeExpired()
        let id = UUID().uuidString.lowercased()
        let now = Timestamp.now()
        let ttl = min(max(ttlMs ?? Self.defaultTTLMs, 1000), Self.maxTTLMs)
        let job = video ? "video job" : "image job"
        let task: JSONObject = ["taskId": .string(id), "status": "working", "statusMessage": .string("The \(job) is being submitted."),
                                "createdAt": .string(now), "lastUpdatedAt": .string(now), "ttl": .integer(Int64(ttl)),
                                "pollInterval": .integer(Int64(max(pollIntervalMs, 250)))]
        let limit = maxTasks
        // Room is made and taken under one lock, so that calls at the same moment cannot pass the cap together.
        let admitted = table.withLock { t -> Bool in
            if t.entries.count >= limit {
                var gone: [String] = []
                for old in t.order where t.entries[old]?.terminal == true {
                    gone.append(old)
                    if t.entries.count - gone.count < limit { break }
                }
                t.remove(gone)
            }
            // Every task is still running: dropping one would lose a job the client is following.
            guard t.entries.count < limit else { return false }
            t.entries[id] = Entry(task: task, createdMs: clock.nowMs, ttlMs: ttl, for2026: for2026, video: video)
            t.order.append(id)
            return true
        }
        guard admitted else {
            throw RPCError(.rateLimited, "\(limit) tasks are running, the most this server follows at once: wait for one to end "
                + "(tasks/get), cancel one (tasks/cancel), or call the tool without a task.")
        }
        let handle = Task {
            let outcome: JSONValue?
            do { outcome = try await work(id) } catch { outcome = nil }
            guard let outcome else { return }  // cancelled: tasks/cancel already recorded it
            let failed = outcome["isError"] == true
            let made = video ? "the video" : "the images"
            // Where the client finds it: 2025-11-25 collects it with tasks/result; 2026-07-28 has no
            // tasks/result, and its tasks/get carries the result inline.
            let (ended, what) = failed ? ("The tool call ended with an error", "it") : ("The \(job) finished", made)
            let message = for2026 ? "\(ended); \(MCP2026GetTask.name) returns \(what) as the task's result."
                                  : "\(ended); \(MCP2025TaskResult.name) holds \(what)."
            self.finish(id, status: failed ? "failed" : "completed", message: message, result: outcome, notify: notify)
        }
        table.withLock { $0.entries[id]?.work = handle }
        return for2026 ? Self.view2026(Entry(task: task, createdMs: 0, ttlMs: ttl, for2026: true)) : .object(task)
    }

    func get(_ id: String) throws(RPCError) -> JSONValue {
        purgeExpired()
        guard let e = table.current.entries[id] else { throw Self.unknown(id) }
        return e.for2026 ? Self.view2026(e) : .object(e.task)
    }

    /// A task in the 2026-07-28 shape: `ttlMs`/`pollIntervalMs`, the result inline once it is
    /// there. A tool result with `isError` is still a completed task (the call itself worked).
    private static func view2026(_ e: Entry) -> JSONValue {
        var t = JSONObject()
        for key in ["taskId", "status", "statusMessage", "createdAt", "lastUpdatedAt"] { t[key] = e.task[key] }
        t["ttlMs"] = e.task["ttl"]
        t["pollIntervalMs"] = e.task["pollInterval"]
        if let result = e.result {
            t["status"] = "completed"
            t["result"] = MCP2026.result(result)
        }
        return .object(t)
    }

    /// `tasks/update`: this server never asks for input, so there is nothing to take; the task must exist.
    func acknowledge(_ id: String) throws(RPCError) {
        guard table.current.entries[id] != nil else { throw Self.unknown(id) }
    }

    /// Waits until the task ends, then returns its tool result tagged with the task's id.
    func result(_ id: String) async throws -> JSONValue {
        let serial = table.withLock { t -> UInt64 in t.nextWaiter += 1; return t.nextWaiter }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = table.withLock { t -> Bool in
                    guard var e = t.entries[id], !e.terminal, !Task.isCancelled else { return true }
                    e.waiters[serial] = c
                    t.entries[id] = e
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = table.withLock { t in t.entries[id]?.waiters.removeValue(forKey: serial) }
            c?.resume()
        }
        try Task.checkCancellation()
        guard let e = table.current.entries[id] else { throw Self.unknown(id) }
        guard case .object(var r)? = e.result else {
            throw RPCError.invalidParams("The task \(id) was cancelled, so it has no result: \(e.task["statusMessage"]?.stringValue ?? "").")
        }
        var meta = r["_meta"]?.objectValue ?? JSONObject()
        meta["io.modelcontextprotocol/related-task"] = .object(["taskId": .string(id)])
        r["_meta"] = .object(meta)
        return .object(r)
    }

    func list(cursor: String?) throws(RPCError) -> JSONValue {
        purgeExpired()
        let t = table.current
        let (ids, all) = (t.order, t.entries)
        let start = cursor.flatMap { c in ids.firstIndex(of: c).map { $0 + 1 } } ?? 0
        if cursor != nil && start == 0 { throw RPCError.invalidParams("Unknown cursor.") }
        let page = ids[min(start, ids.count)...].prefix(Self.pageSize)
        var out: JSONObject = ["tasks": .array(page.compactMap { all[$0].map { .object($0.task) } })]
        if start + page.count < ids.count, let last = page.last { out["nextCursor"] = .string(last) }
        return .object(out)
    }

    /// Stops tracking the task. The upstream job cannot be stopped, and the status says so.
    func cancel(_ id: String, notify: @Sendable (String, JSONValue) -> Void) throws(RPCError) -> JSONValue {
        guard let e = table.current.entries[id] else { throw Self.unknown(id) }
        if e.terminal { throw RPCError.invalidParams("The task \(id) has already ended (\(e.task["status"]?.stringValue ?? "")); it cannot be cancelled.") }
        e.work?.cancel()
        let job = e.logId.map { "job \($0)" } ?? "the job, if it was submitted,"
        let follow = e.logId.map { " Call get_task_status with \(e.video ? "taskId" : "logId") \($0) to get its \(e.video ? "video" : "images")." } ?? ""
        finish(id, status: "cancelled",
               message: "Cancelled: the adapter stopped following the job, but an AiToEarn job cannot be stopped once submitted: "
                   + "\(job) goes on and is billed.\(follow)",
               result: nil, notify: notify)
        return .object(table.current.entries[id]?.task ?? [:])
    }

    /// Records a status message while the work runs, and the job's logId once it is known.
    func note(_ id: String, _ message: String, logId: String? = nil) {
        table.withLock { t in
            guard var e = t.entries[id], !e.terminal else { return }
            if let logId { e.logId = logId }
            e.task["statusMessage"] = .string(message)
            e.task["lastUpdatedAt"] = .string(Timestamp.now())
            t.entries[id] = e
        }
    }

    private func finish(_ id: String, status: String, message: String, result: JSONValue?, notify: (String, JSONValue) -> Void) {
        let (waiters, task) = table.withLock { t -> ([CheckedContinuation<Void, Never>], JSONObject?) in
            guard var e = t.entries[id], !e.terminal else { return ([], nil) }
            e.task["status"] = .string(status)
            e.task["statusMessage"] = .string(message)
            e.task["lastUpdatedAt"] = .string(Timestamp.now())
            e.result = result
            let w = Array(e.waiters.values)
            e.waiters = [:]
            t.entries[id] = e
            // Tasks of 2026-07-28 clients announce nothing: that revision has no status notifications.
            return (w, e.for2026 ? nil : e.task)
        }
        if let task { notify("notifications/tasks/status", .object(task)) }
        for w in waiters { w.resume() }
    }

    private func purgeExpired() {
        let now = clock.nowMs
        table.withLock { t in
            t.remove(t.entries.filter { $0.value.terminal && now - $0.value.createdMs > Int64($0.value.ttlMs) }.map(\.key))
        }
    }

    private static func unknown(_ id: String) -> RPCError {
        RPCError.invalidParams("There is no task \(id) (it may have expired).")
    }

}
