import Diagnostics
import Testing

@Suite("Thread confinement checks")
struct ThreadOwnerTests {
    /// Runs `body` on a thread of its own and returns its result.
    static func onNewThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in startThread(name: "test.other") { c.resume(returning: body()) } }
    }

    @Test("ThreadIdentity: equal on the same thread, different on another")
    func identity() async {
        let here = ThreadIdentity.current
        #expect(here == ThreadIdentity.current)
        let there = await Self.onNewThread { ThreadIdentity.current }
        #expect(here != there)
    }

    #if DEBUG
    @Test("debug builds: only the thread that claimed the owner is current; before a claim, none is")
    func ownership() async {
        let owner = ThreadOwner("the test thread")
        #expect(!owner.isCurrent)
        // The claiming thread stays alive while others ask: a finished thread's id may be reused.
        let release = Condition()
        let released = Locked(false)
        #expect(await withCheckedContinuation { c in
            startThread(name: "test.claimer") {
                owner.claim()
                c.resume(returning: owner.isCurrent)
                release.withLock { while !released.current { release.wait() } }
            }
        })
        #expect(!owner.isCurrent)
        #expect(await Self.onNewThread { owner.isCurrent } == false)
        release.withLock {
            released.withLock { $0 = true }
            release.broadcast()
        }
        owner.claim()
        #expect(owner.isCurrent)
        owner.assertIsCurrent("the state")
    }

    @Test("debug builds: touching an owner's state from another thread stops the process")
    func trapsElsewhere() async {
        await #expect(processExitsWith: .failure) {
            let owner = ThreadOwner("the test thread")
            await withCheckedContinuation { c in startThread(name: "test.owner") { owner.claim(); c.resume() } }
            owner.assertIsCurrent("the state")
        }
    }

    @Test("debug builds: touching it before its thread has claimed it stops the process too")
    func trapsBeforeClaim() async {
        await #expect(processExitsWith: .failure) {
            ThreadOwner("a thread not started").assertIsCurrent("the state")
        }
    }
    #else
    @Test("release builds check nothing: every thread counts as the owner")
    func releaseChecksNothing() async {
        let owner = ThreadOwner("the test thread")
        #expect(owner.isCurrent)
        #expect(await Self.onNewThread { owner.isCurrent })
        owner.assertIsCurrent("the state")
    }
    #endif
}
