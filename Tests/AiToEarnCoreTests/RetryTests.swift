#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import JSONValue
import AiToEarnCoreTestSupport
@testable import AiToEarnCore

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("backoff doubles from the base, is capped, and jitters within the upper half")
    func schedule() {
        let p = RetryPolicy(baseDelayMs: 500, maxDelayMs: 8000)
        #expect(p.delayMs(afterAttempt: 1, retryAfterMs: nil, jitter: 0) == 250)
        #expect(p.delayMs(afterAttempt: 1, retryAfterMs: nil, jitter: 0.999) == 499)
        #expect(p.delayMs(afterAttempt: 2, retryAfterMs: nil, jitter: 0) == 500)
        #expect(p.delayMs(afterAttempt: 3, retryAfterMs: nil, jitter: 0) == 1000)
        #expect(p.delayMs(afterAttempt: 10, retryAfterMs: nil, jitter: 0) == 4000)
        #expect(p.delayMs(afterAttempt: 10, retryAfterMs: nil, jitter: 0.999) <= 8000)
    }

    @Test("Retry-After wins, capped")
    func retryAfter() {
        let p = RetryPolicy(maxRetryAfterMs: 30_000)
        #expect(p.delayMs(afterAttempt: 1, retryAfterMs: 2000, jitter: 0.3) == 2000)
        #expect(p.delayMs(afterAttempt: 1, retryAfterMs: 90_000, jitter: 0.3) == 30_000)
        #expect(RetryPolicy.parseRetryAfter("3") == 3000)
        #expect(RetryPolicy.parseRetryAfter("0.5") == 500)
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(RetryPolicy.parseRetryAfter("Mon, 12 Jan 1970 13:46:50 GMT", now: now) == 10_000)
    }
}

@Suite("Upstream client retries")
struct UpstreamClientTests {
    @Test("a status request is retried on 5xx, HTML and dropped connections, 4 attempts at most")
    func statusRetries() async throws {
        let t = FakeNetwork(script: [
            .http(status: 502, body: "<html>bad gateway</html>", headers: [:]),
            .http(status: 200, body: "<html>oops</html>", headers: [:]),
            .fail(.noResponse("connection lost")),
        ], fallback: .envelope(code: 0, data: ["status": "generating"]))
        let clock = VirtualClock()
        let v = try await makeClient(t, clock: clock).taskStatus(logId: String(repeating: "a", count: 24))
        #expect(v.data["status"] == "generating")
        #expect(t.count == 4)
        #expect(clock.sleeps == [75, 150, 300])
    }

    @Test("a status whose data is not an object with a string status is a broken reply, retried, never a result",
          arguments: [JSONValue.null, ["status": 42], "success", ["images": []]])
    func brokenStatus(data: JSONValue) async {
        let t = FakeNetwork(script: [], fallback: .envelope(code: 0, data: data))
        do {
            let v = try await makeClient(t).taskStatus(logId: String(repeating: "a", count: 24))
            Issue.record("a broken status became a result: \(v.data)")
        } catch {
            guard case .unreachable(let status, let attempts, _, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(status == 200)
            #expect(attempts == 4)
            #expect(error.message.contains("not an object with a string status"), "\(error.message)")
        }
        #expect(t.count == 4)
    }

    @Test("after 4 failed attempts the error says how many and the last HTTP status")
    func exhausted() async {
        let t = FakeNetwork(script: [], fallback: .http(status: 503, body: "<html/>", headers: [:]))
        do {
            _ = try await makeClient(t).models()
            Issue.record("expected an error")
        } catch {
            guard case .unreachable(let status, let attempts, _, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(status == 503)
            #expect(attempts == 4)
            #expect(error.upstreamRequestId == t.requests.last?.header("X-Request-Id"))
        }
        #expect(t.count == 4)
    }

    @Test("the submission is sent once when the server answers 500", arguments: [
        FakeNetwork.Reply.http(status: 500, body: "<html/>", headers: [:]),
        .fail(.noResponse("connection reset after the request was sent")),
        .http(status: 200, body: "not json", headers: [:]),
    ])
    func submissionNotResent(step: FakeNetwork.Reply) async {
        let t = FakeNetwork(script: [step], fallback: .envelope(code: 0, data: ["logId": "x", "status": "generating"]))
        await #expect(throws: CoreError.self) { try await makeClient(t).submit(["prompt": "p", "model": "m"]) }
        #expect(t.count == 1)
    }

    @Test("a submission whose reply is over the size cap may be billed: the message says so and it is not resent")
    func oversizedSubmissionReply() async {
        let t = FakeNetwork(script: [.fail(.replyTooLarge(limit: 8 * 1024 * 1024))],
                                  fallback: .envelope(code: 0, data: ["logId": "x", "status": "generating"]))
        do {
            _ = try await makeClient(t).submit(["prompt": "p", "model": "m"])
            Issue.record("expected an error")
        } catch {
            guard case .replyTooLarge = error.kind else { Issue.record("\(error)"); return }
            #expect(error.message.contains("may have been submitted and billed"), "\(error.message)")
            #expect(!error.message.contains("or submit the images"), "\(error.message)")
        }
        #expect(t.count == 1)
    }

    @Test("the submission is resent after a 429 (honouring Retry-After) and after a connection that never opened")
    func submissionResentWhenSafe() async throws {
        let t = FakeNetwork(script: [
            .http(status: 429, body: "", headers: ["Retry-After": "2"]),
            .fail(.notConnected("connection refused")),
        ], fallback: .envelope(code: 0, data: ["logId": "x", "status": "generating"]))
        let clock = VirtualClock()
        let v = try await makeClient(t, clock: clock).submit(["prompt": "p", "model": "m"])
        #expect(v.data["logId"] == "x")
        #expect(t.count == 3)
        #expect(clock.sleeps.first == 2000)
    }

    @Test("still rate-limited after retries is -32014's kind with the wait")
    func rateLimited() async {
        let t = FakeNetwork(script: [], fallback: .http(status: 429, body: "", headers: ["Retry-After": "1"]))
        do {
            _ = try await makeClient(t).models()
        } catch {
            guard case .rateLimited(let ms) = error.kind else { Issue.record("\(error)"); return }
            #expect(ms == 1000)
        }
        #expect(t.count == 4)
    }

    @Test("business errors are not retried; 401 is unauthorized; no key means no request")
    func businessErrors() async {
        let t = FakeNetwork(script: [.envelope(code: 12001, data: .object([:]))])
        do { _ = try await makeClient(t).submit(["prompt": "p"]) } catch {
            guard case .upstream(let code, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(code == 12001)
        }
        #expect(t.count == 1)
        let t2 = FakeNetwork(script: [.envelope(code: 401, data: .object([:]))])
        do { _ = try await makeClient(t2).taskStatus(logId: "x") } catch {
            guard case .unauthorized = error.kind else { Issue.record("\(error)"); return }
        }
        let t3 = FakeNetwork(script: [])
        do { _ = try await makeClient(t3, key: nil).taskStatus(logId: "x") } catch {
            guard case .noAPIKey = error.kind else { Issue.record("\(error)"); return }
        }
        #expect(t3.count == 0)
    }

    @Test("requests carry the key, JSON headers, the user agent and a fresh request id")
    func headers() async throws {
        let t = FakeNetwork(script: [])
        let c = makeClient(t)
        _ = try await c.models()
        _ = try await c.models()
        let r = t.requests[0]
        #expect(r.header("X-Api-Key") == "k")
        #expect(r.header("Accept") == "application/json")
        #expect(r.header("User-Agent") == "aitoearn-rpc/\(ProductVersion.current)")
        #expect(r.header("X-Request-Id") != t.requests[1].header("X-Request-Id"))
    }
}
