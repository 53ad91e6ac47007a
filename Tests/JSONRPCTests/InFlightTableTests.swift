import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue
import Testing
@testable import JSONRPC
import JSONRPCTestSupport

@Suite("In-flight table")
struct InFlightTableTests {
    /// A body that records its start, then waits until its task is cancelled; it answers with
    /// what it saw (cancelled, silenced) so a test can read it from the task's value.
    private static func waiting(_ id: JSONValue, started: Started) -> @Sendable (@Sendable () -> Bool) async -> JSONValue? {
        { isSilenced in
            started.record(id)
            try? await Task.sleep(for: .seconds(60))
            return ["id": id, "cancelled": .bool(Task.isCancelled), "silenced": .bool(isSilenced())]
        }
    }

    /// Waits (on a thread of its own) until no task is left in `table`, or `seconds` have passed.
    private static func waitUntilEmpty(_ table: InFlightTable, within seconds: TimeInterval = 5) async {
        await offload { table.waitUntilEmpty(deadline: Deadline.after(seconds: seconds)) }
    }

    /// Expects `table` to empty: once its tasks have finished, nothing is left to cancel.
    private static func expectDrained(_ table: InFlightTable, sourceLocation: SourceLocation = #_sourceLocation) async {
        await waitUntilEmpty(table)
        #expect(table.cancelAll().isEmpty, sourceLocation: sourceLocation)
    }

    @Test("start runs the body and its task gives back the body's value, then the table is empty")
    func startAndFinish() async {
        let table = InFlightTable()
        let task = table.start(id: 1) { isSilenced in ["silenced": .bool(isSilenced())] }
        #expect(await task.value == ["silenced": false])
        await Self.expectDrained(table)
    }

    @Test("cancel(id:) cancels every request with that id and no other")
    func cancelById() async {
        let table = InFlightTable()
        let started = Started()
        let a = table.start(id: 1, Self.waiting(1, started: started))
        let b = table.start(id: 1, Self.waiting(1, started: started))
        let c = table.start(id: "1", Self.waiting("1", started: started))
        let d = table.start(id: .null, Self.waiting(.null, started: started))
        #expect(await started.wait(for: [1, "1", .null]))
        table.cancel(id: 1)
        #expect(await a.value?["cancelled"] == true)
        #expect(await b.value?["cancelled"] == true)
        #expect(!c.isCancelled)
        #expect(!d.isCancelled)
        table.cancel(id: .null)
        #expect(await d.value == ["id": .null, "cancelled": true, "silenced": false])
        #expect(!c.isCancelled)
        // Only "1" is left.
        let rest = table.cancelAll()
        #expect(rest.count == 1)
        #expect(await c.value?["id"] == "1")
    }

    @Test("cancel(id:silently: true) makes the body see it silenced and the task give back nil")
    func silenced() async {
        let table = InFlightTable()
        let started = Started()
        let loud = table.start(id: 1, Self.waiting(1, started: started))
        let quiet = table.start(id: 2) { isSilenced in
            started.record(2)
            try? await Task.sleep(for: .seconds(60))
            // The body can tell; the table drops its value anyway.
            return ["silenced": .bool(isSilenced())]
        }
        #expect(await started.wait(for: [1, 2]))
        table.cancel(id: 2, silently: true)
        #expect(await quiet.value == nil)
        table.cancel(id: 1)
        #expect(await loud.value?["silenced"] == false)
    }

    @Test("cancelling an id nobody uses, or one already finished, does nothing")
    func cancelUnknown() async {
        let table = InFlightTable()
        let done = table.start(id: 5) { _ in "done" }
        #expect(await done.value == "done")
        table.cancel(id: 5, silently: true)
        table.cancel(id: 6)
        // A new request that reuses the id is not silenced by the earlier cancel.
        let again = table.start(id: 5) { isSilenced in .bool(isSilenced()) }
        #expect(await again.value == false)
    }

    @Test("cancelAll cancels every task and hands them back")
    func cancelAll() async {
        let table = InFlightTable()
        let started = Started()
        let ids: [JSONValue] = [1, 2, "x", .null, .numberLiteral("123456789012345678901234567890")]
        for id in ids { table.start(id: id, Self.waiting(id, started: started)) }
        #expect(await started.wait(for: ids))
        let all = table.cancelAll()
        #expect(all.count == ids.count)
        var seen: [JSONValue] = []
        for t in all {
            let v = await t.value
            #expect(v?["cancelled"] == true)
            if let id = v?["id"] { seen.append(id) }
        }
        #expect(Set(seen) == Set(ids))
        await Self.expectDrained(table)
    }

    @Test("waitUntilEmpty returns once every task has finished")
    func waitUntilEmpty() async {
        let table = InFlightTable()
        let gate = AsyncGate()
        let ended = Locked(0)
        for i in 0..<10 {
            table.start(id: .integer(Int64(i))) { _ in
                await gate.wait()
                ended.withLock { $0 += 1 }
                return nil
            }
        }
        gate.open()
        let start = Date()
        await Self.waitUntilEmpty(table)
        #expect(Date().timeIntervalSince(start) < 4)
        #expect(ended.current == 10)
    }

    @Test("waitUntilEmpty gives up at its deadline when a task does not finish")
    func waitUntilEmptyDeadline() async {
        let table = InFlightTable()
        let gate = AsyncGate()
        let task = table.start(id: 1) { _ in
            await gate.wait()
            return "late"
        }
        let start = Date()
        await Self.waitUntilEmpty(table, within: 0.05)
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 0.04)
        #expect(waited < 4)
        gate.open()
        #expect(await task.value == "late")
        await Self.waitUntilEmpty(table)
    }
}
