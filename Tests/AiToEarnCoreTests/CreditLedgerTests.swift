import Testing
@testable import AiToEarnCore

@Suite("Credit ledger")
struct CreditLedgerTests {
    @Test("with a limit of 25 and jobs at 10, two fit and the third is refused with the numbers")
    func limit() throws {
        let ledger = CreditLedger(limit: 25)
        let a = try ledger.reserve(.credits(10)).get()
        _ = try ledger.reserve(.credits(10)).get()
        #expect(throws: CreditLedger.Refusal(credits: 10, committed: 20, limit: 25)) { try ledger.reserve(.credits(10)).get() }
        // One fails and is refunded: a new one fits again.
        ledger.release(a)
        _ = try ledger.reserve(.credits(10)).get()
        #expect(ledger.usage.committed == 20 && ledger.usage.jobs == 2 && ledger.usage.remaining == 5)
    }

    @Test("an unknown price is refused under a limit and counts as nothing without one")
    func unknown() throws {
        #expect(throws: CreditLedger.Refusal(credits: nil, committed: 0, limit: 100)) {
            try CreditLedger(limit: 100).reserve(.unknown(reason: "no price")).get()
        }
        let free = CreditLedger(limit: nil)
        _ = try free.reserve(.unknown(reason: "no price")).get()
        #expect(free.usage.committed == 0 && free.usage.jobs == 1 && free.usage.limit == nil && free.usage.remaining == nil)
    }

    @Test("concurrent reservations never pass the limit together")
    func concurrent() async {
        let ledger = CreditLedger(limit: 95)
        let granted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<100 { group.addTask { (try? ledger.reserve(.credits(10)).get()) != nil } }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
        #expect(granted == 9 && ledger.usage.committed == 90)
    }

    @Test("release is once only; settle keeps the job at what the service charged")
    func settleAndRelease() throws {
        let ledger = CreditLedger(limit: 100)
        let r = try ledger.reserve(.credits(10)).get()
        ledger.release(r)
        ledger.release(r)
        #expect(ledger.usage.committed == 0)
        let s = try ledger.reserve(.credits(10)).get()
        ledger.settle(s, points: 8)
        ledger.release(s)  // settled: nothing to give back
        #expect(ledger.usage.committed == 8 && ledger.usage.jobs == 1)
    }

    @Test("running low means less than a tenth of the limit left")
    func low() throws {
        let ledger = CreditLedger(limit: 100)
        _ = try ledger.reserve(.credits(90)).get()
        #expect(!ledger.isRunningLow)
        _ = try ledger.reserve(.credits(1)).get()
        #expect(ledger.isRunningLow)
        #expect(!CreditLedger(limit: nil).isRunningLow)
    }
}
