import Diagnostics
import Testing

@Suite("Lock, Locked, Condition, threads")
struct LockTests {
    @Test("Locked: increments from many threads at once are none of them lost")
    func lockedCounts() async {
        let counter = Locked(0)
        let threads = 8, rounds = 10_000
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let finished = Locked(0)
            for i in 0..<threads {
                startThread(name: "test.count-\(i)") {
                    for _ in 0..<rounds { counter.withLock { $0 += 1 } }
                    if finished.withLock({ f -> Int in f += 1; return f }) == threads { done.resume() }
                }
            }
        }
        #expect(counter.current == threads * rounds)
    }

    @Test("Lock: withLock returns the body's value and rethrows its error, unlocked either way")
    func lockBody() {
        struct Boom: Error {}
        let lock = Lock()
        #expect(lock.withLock { 42 } == 42)
        #expect(throws: Boom.self) { try lock.withLock { throw Boom() } }
        // Still usable: the throw released it.
        lock.lock()
        lock.unlock()
        #expect(lock.withLock { "again" } == "again")
    }

    @Test("Condition: a thread waiting for a flag wakes when it is raised")
    func conditionWakes() async {
        let condition = Condition()
        let state = Locked((raised: false, woke: false))
        let woke: Bool = await withCheckedContinuation { result in
            startThread(name: "test.waiter") {
                condition.lock()
                while !state.current.raised { condition.wait() }
                condition.unlock()
                result.resume(returning: true)
            }
            condition.withLock {
                state.withLock { $0.raised = true }
                condition.broadcast()
            }
        }
        #expect(woke)
    }

    @Test("Condition: a deadline already passed returns false at once; a wake before it, true")
    func conditionDeadlines() async {
        let condition = Condition()
        condition.lock()
        #expect(condition.wait(until: .now) == false)
        #expect(condition.wait(until: Deadline.after(seconds: -1)) == false)
        condition.unlock()

        let raised = Locked(false)
        let woken: Bool = await withCheckedContinuation { result in
            startThread(name: "test.timed") {
                condition.lock()
                var inTime = true
                // A minute: long enough that only the broadcast can end it.
                let deadline = Deadline.after(seconds: 60)
                while !raised.current && inTime { inTime = condition.wait(until: deadline) }
                condition.unlock()
                result.resume(returning: inTime && raised.current)
            }
            condition.withLock {
                raised.withLock { $0 = true }
                condition.broadcast()
            }
        }
        #expect(woken)
    }

    @Test("Deadline: after() is ordered, clamps negative and huge waits, and counts down")
    func deadline() {
        let a = Deadline.now
        let b = Deadline.after(seconds: 10)
        #expect(a < b)
        #expect(b.remainingNanoseconds > 9_000_000_000 && b.remainingNanoseconds <= 10_000_000_000)
        #expect(Deadline.after(seconds: -5).remainingNanoseconds == 0)
        #expect(Deadline.after(seconds: .nan).remainingNanoseconds == 0)
        #expect(Deadline.after(seconds: 1e300).uptimeNanoseconds == .max)
        #expect(Deadline.after(seconds: .infinity).uptimeNanoseconds == .max)
    }

    @Test("startThread runs the body with the stack size asked for")
    func threads() async {
        let deep: Int = await withCheckedContinuation { result in
            startThread(name: "test.stack", stackSize: 4 << 20) {
                // 1 MiB on the stack: beyond what a small default stack would hold safely.
                let sum = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 << 20) { buffer -> Int in
                    buffer.initialize(repeating: 1)
                    return buffer.reduce(0) { $0 + Int($1) }
                }
                result.resume(returning: sum)
            }
        }
        #expect(deep == 1 << 20)
    }
}
