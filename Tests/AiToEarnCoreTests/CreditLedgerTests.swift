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

@Suite("Credit ledger around a submission")
struct CreditLedgerSubmissionTests {
    static let id = "0123456789abcdef01234567"

    @Test("a refused submission gives its credits back; an answered one is bound to its job until it ends")
    func charging() async throws {
        let ledger = CreditLedger(limit: 20)
        await #expect(throws: CoreError.self) {
            try await ledger.charging(.credits(10), idField: "logId") { () async throws(CoreError) -> UpstreamReply in
                throw CoreError(.upstream(code: 12001, message: "credits"))
            }
        }
        #expect(ledger.usage.committed == 0)
        _ = try await ledger.charging(.credits(10), idField: "logId") { () async throws(CoreError) -> UpstreamReply in
            UpstreamReply(data: ["logId": .string(Self.id), "status": "generating"])
        }
        #expect(ledger.usage.committed == 10)
        ledger.observe(status: ["status": "generating"], id: Self.id, video: false)
        #expect(ledger.usage.committed == 10)
        ledger.observe(status: ["status": "failed", "points": 0], id: Self.id.uppercased(), video: false)
        #expect(ledger.usage.committed == 0 && ledger.usage.jobs == 0)
    }

    @Test("a submission that may have reached the service stays committed; past the limit is overLimit with the numbers")
    func maybeSubmitted() async throws {
        let ledger = CreditLedger(limit: 15)
        await #expect(throws: CoreError.self) {
            try await ledger.charging(.credits(10), idField: "logId") { () async throws(CoreError) -> UpstreamReply in
                throw CoreError(.unreachable(httpStatus: nil, attempts: 1, reason: "dropped", maybeSubmitted: true))
            }
        }
        #expect(ledger.usage.committed == 10)
        do {
            _ = try await ledger.charging(.credits(10), idField: "logId") { () async throws(CoreError) -> UpstreamReply in
                Issue.record("sent past the limit")
                return UpstreamReply(data: [:])
            }
        } catch {
            guard case .overLimit(let credits, let committed, let limit, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(credits == 10 && committed == 10 && limit == 15)
        }
    }

    @Test("a success settles at the service's points; a video success at its price")
    func settle() async throws {
        let ledger = CreditLedger(limit: nil)
        _ = try await ledger.charging(.credits(12), idField: "id") { () async throws(CoreError) -> UpstreamReply in
            UpstreamReply(data: ["id": .string(Self.id)])
        }
        ledger.observe(status: ["status": "SUCCESS"], id: Self.id, video: true)
        #expect(ledger.usage.committed == 12)
        let other = "abcdefabcdefabcdefabcdef"
        _ = try await ledger.charging(.credits(12), idField: "logId") { () async throws(CoreError) -> UpstreamReply in
            UpstreamReply(data: ["logId": .string(other)])
        }
        ledger.observe(status: ["status": "success", "points": "9"], id: other, video: false)
        #expect(ledger.usage.committed == 21)
    }
}
