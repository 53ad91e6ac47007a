import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import JSONValue
import AiToEarnCoreTestSupport
@testable import AiToEarnCore

@Suite("Polling")
struct PollingTests {
    @Test("the schedule starts at the interval, doubles, and caps at 2 s, then 5 s after a minute")
    func schedule() {
        let s = PollSchedule(intervalMs: 1000)
        #expect(s.delayMs(beforePoll: 1, elapsedMs: 0) == 1000)
        #expect(s.delayMs(beforePoll: 2, elapsedMs: 1000) == 2000)
        #expect(s.delayMs(beforePoll: 9, elapsedMs: 20_000) == 2000)
        #expect(s.delayMs(beforePoll: 40, elapsedMs: 61_000) == 5000)
        let slow = PollSchedule(intervalMs: 7000)
        #expect(slow.delayMs(beforePoll: 5, elapsedMs: 90_000) == 7000)
        let fast = PollSchedule(intervalMs: 50)
        #expect(fast.delayMs(beforePoll: 2, elapsedMs: 50) == 100)
    }

    /// A job that finishes `doneAtMs` after submission, on the virtual clock.
    private final class TimedJob: HTTPTransport, @unchecked Sendable {
        let clock: VirtualClock
        let doneAtMs: Int64
        let lock = Lock()
        var polls = 0
        init(clock: VirtualClock, doneAtMs: Int64) { self.clock = clock; self.doneAtMs = doneAtMs }

        func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
            let data: JSONValue
            if request.method == "POST" {
                data = ["logId": "0123456789abcdef01234567", "status": "generating"]
            } else {
                lock.withLock { polls += 1 }
                data = ["logId": "0123456789abcdef01234567", "status": clock.nowMs >= doneAtMs ? "success" : "generating", "extra": true]
            }
            return HTTPResponse(status: 200, body: Data(JSONValue.object(["code": 0, "message": "ok", "data": data]).serialized()))
        }
    }

    private func jobs(_ t: HTTPTransport, _ clock: CoreClock) -> ImageJobs {
        ImageJobs(client: makeClient(t, clock: clock), saver: ImageSaver(transport: t, localImages: nil, requestTimeoutMs: 1000, addresses: .any))
    }

    private let request = ImageRequest(body: ["prompt": "p", "model": "m"], model: "m")

    @Test("a 30-second job with the default schedule: at most 16 polls, noticed within 2 s")
    func thirtySecondJob() async throws {
        let clock = VirtualClock()
        let t = TimedJob(clock: clock, doneAtMs: 30_000)
        let events = EventLog()
        let v = try await jobs(t, clock).generate(request, JobRun(poll: PollOptions(wait: true, timeoutMs: 600_000, pollIntervalMs: 1000),
                                                  saveTo: nil, startMs: 0, events: events.add))
        #expect(v["status"] == "success")
        #expect(v["extra"] == true)
        #expect(t.polls <= 16)
        #expect(clock.nowMs - 30_000 <= 2000)
        #expect(events.all.first == .submitted(logId: "0123456789abcdef01234567", status: "generating", elapsedMs: 0))
        #expect(events.all.count == t.polls + 1)
    }

    @Test("the timeout ends polling with the last status seen")
    func timeout() async {
        let clock = VirtualClock()
        let t = TimedJob(clock: clock, doneAtMs: 1_000_000)
        do {
            _ = try await jobs(t, clock).generate(request, JobRun(poll: PollOptions(wait: true, timeoutMs: 5000, pollIntervalMs: 1000),
                                                  saveTo: nil, startMs: 0, events: { _ in }))
            Issue.record("expected a timeout")
        } catch {
            guard case .timedOut(let logId, let task) = error.kind else { Issue.record("\(error)"); return }
            #expect(logId == "0123456789abcdef01234567")
            #expect(task?["status"] == "generating")
            #expect(clock.nowMs == 5000)
        }
    }

    @Test("cancellation stops polling and reports the logId")
    func cancel() async {
        let clock = VirtualClock()
        let t = TimedJob(clock: clock, doneAtMs: 1_000_000)
        let j = jobs(t, clock)
        let req = request
        let task = Task { () async -> CoreError? in
            do throws(CoreError) { _ = try await j.generate(req, JobRun(poll: PollOptions(wait: true, timeoutMs: 100_000_000, pollIntervalMs: 1000),
                                          saveTo: nil, startMs: 0, events: { _ in })); return nil } catch { return error }
        }
        while t.lock.withLock({ t.polls }) < 3 { await Task.yield() }
        task.cancel()
        let error = await task.value
        guard case .cancelled(let logId)? = error?.kind else { Issue.record("\(String(describing: error))"); return }
        #expect(logId == "0123456789abcdef01234567")
        let after = t.lock.withLock { t.polls }
        for _ in 0..<100 { await Task.yield() }
        #expect(t.lock.withLock { t.polls } == after)
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = Lock()
    private var events: [JobEvent] = []
    func add(_ e: JobEvent) { lock.withLock { events.append(e) } }
    var all: [JobEvent] { lock.withLock { events } }
}
