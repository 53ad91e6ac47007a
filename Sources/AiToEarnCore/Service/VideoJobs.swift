import JSONValue

/// Video jobs: submit one (checked against the video model list first), follow it to its end on
/// the video schedule, or resume one by taskId. Every error after submission carries the taskId.
package final class VideoJobs: Sendable {
    package let client: UpstreamClient
    package let saver: VideoSaver
    package let models: VideoModelCatalog
    package let onTheWire: SubmissionsOnTheWire
    package let idempotency: IdempotentSubmissions
    /// The process's credits, shared with the image jobs.
    package let ledger: CreditLedger

    package init(client: UpstreamClient, saver: VideoSaver, models: VideoModelCatalog = VideoModelCatalog(),
                onTheWire: SubmissionsOnTheWire = SubmissionsOnTheWire(), idempotency: IdempotentSubmissions = IdempotentSubmissions(),
                ledger: CreditLedger = CreditLedger(limit: nil)) {
        self.ledger = ledger
        self.client = client
        self.saver = saver
        self.models = models
        self.onTheWire = onTheWire
        self.idempotency = idempotency
    }

    /// A video job's defaults: jobs take minutes, and the service refreshes them every 30 s.
    package static let defaultTimeoutMs = 1_800_000
    package static let defaultPollIntervalMs = 10_000

    /// The first poll's delay when the caller names none. The simulator's jobs end after its own
    /// delay (1.5 s by default): a third of it puts the schedule's second poll (after twice the
    /// first wait) right at the job's end. Never more than the service's 10 s.
    package static func defaultPollIntervalMs(_ settings: Settings) -> Int {
        settings.simulate ? max(100, min(defaultPollIntervalMs, settings.simulateDelayMs / 3)) : defaultPollIntervalMs
    }

    var clock: CoreClock { client.clock }

    /// Whether a VideoTask status is terminal, and how: the service's spelling is mixed.
    package enum Outcome: Sendable, Equatable {
        case running, succeeded, failed

        package init(status: String) {
            switch status.lowercased() {
            case "success": self = .succeeded
            case "failure", "failed": self = .failed
            default: self = .running
            }
        }
    }

    /// Submits a video job, then (when `job.poll.wait`) polls until it ends.
    package func generate(_ request: VideoRequest, _ job: JobRun) async throws(CoreError) -> JSONValue {
        let (options, saveTo, startMs, idempotencyKey, events) = (job.poll, job.saveTo, job.startMs, job.idempotencyKey, job.events)
        do throws(CoreError) {
            // A dry run submits nothing: it needs no key.
            if !job.credits.dryRun { try client.requireKey() }
            let deadlineMs = startMs + Int64(options.timeoutMs)
            try await checkAgainstModels(request, deadlineMs: deadlineMs, mustHave: ledger.mustPrice(job.credits))
            if Task.isCancelled { throw CoreError(.cancelled(logId: nil)) }
            let quote = self.quote(request)
            job.credits.quoted?(quote)
            if job.credits.dryRun { return quote.dryRunResult }
            try await job.credits.approve?(quote)
            let reply: UpstreamReply
            do {
                let (jobs, ledger, price, body) = (self, self.ledger, quote.price, request.body)
                // Reserved inside the submission: a repeat of an idempotency key submits nothing and costs nothing.
                let charged: @Sendable () async throws(CoreError) -> UpstreamReply = { () async throws(CoreError) -> UpstreamReply in
                    try await ledger.charging(price, idField: "id") { () async throws(CoreError) -> UpstreamReply in
                        try await jobs.submitShielded(body, deadlineMs: deadlineMs)
                    }
                }
                if let idempotencyKey {
                    reply = try await idempotency.submit(key: idempotencyKey, kind: .generation, body: videoKeyed(request.body), charged)
                } else {
                    reply = try await charged()
                }
            } catch {
                if Task.isCancelled { throw CoreError(.cancelled(logId: nil), upstreamRequestId: error.upstreamRequestId) }
                throw error
            }
            var trail = reply.requestId
            let submission = reply.data
            guard let taskId = submission["id"]?.stringValue, LogID.isValid(taskId) else {
                throw CoreError(.badLogId(received: submission["id"] ?? .null, upstreamMessage: reply.message), upstreamRequestId: trail)
            }
            events(.submitted(logId: taskId, status: submission["status"]?.stringValue ?? "SUBMITTED",
                              elapsedMs: clock.nowMs - startMs, video: true))
            if Task.isCancelled { throw CoreError(.cancelled(logId: taskId), upstreamRequestId: trail, logId: taskId) }
            guard options.wait else { return submission }
            let task = try await follow(taskId: taskId, options: options, startMs: startMs, trail: &trail, events: events, seen: submission)
            ledger.observe(status: task, id: taskId, video: true)
            if Outcome(status: task["status"]?.stringValue ?? "") == .failed {
                throw CoreError(.jobFailed(logId: taskId, task: task), upstreamRequestId: trail, logId: taskId)
            }
            return try await save(task, taskId: taskId, to: saveTo, deadlineMs: deadlineMs, trail: trail)
        } catch var e {
            e.video = true
            if case .upstream(let code, _) = e.kind, code == UpstreamCode.invalidModel.rawValue { models.forget() }
            throw e
        }
    }

    /// A video job's status; with `job.poll.wait`, its final status, `FAILURE` included.
    package func status(taskId: String, _ job: JobRun) async throws(CoreError) -> JSONValue {
        let (options, saveTo, startMs, events) = (job.poll, job.saveTo, job.startMs, job.events)
        do throws(CoreError) {
            var task: JSONValue
            var trail: String?
            if options.wait {
                task = try await follow(taskId: taskId, options: options, startMs: startMs, trail: &trail, events: events, pollFirst: true)
            } else {
                let reply: UpstreamReply
                do {
                    reply = try await askStatus(taskId: taskId, deadlineMs: startMs + Int64(options.timeoutMs), last: nil)
                } catch var e {
                    e.logId = taskId
                    throw e
                }
                task = reply.data
                trail = reply.requestId
                events(.polled(logId: taskId, status: task["status"]?.stringValue ?? "", poll: 1,
                               elapsedMs: clock.nowMs - startMs, video: true))
            }
            ledger.observe(status: task, id: taskId, video: true)
            if Outcome(status: task["status"]?.stringValue ?? "") == .succeeded {
                task = try await save(task, taskId: taskId, to: saveTo, deadlineMs: startMs + Int64(options.timeoutMs), trail: trail)
            }
            return task
        } catch var e {
            e.video = true
            throw e
        }
    }

    /// The service's video model list, verbatim (kept for the session's checks too).
    package func modelList() async throws(CoreError) -> JSONValue {
        do {
            let list = try await client.videoModels().data
            models.store(list)
            return list
        } catch var e {
            e.video = true
            throw e
        }
    }

    /// The model list's rules, every one broken in one -32602 before anything is billed. Skipped,
    /// not failed, when the list cannot be had: the service checks the same rules itself.
    /// `mustHave`: the list prices the job too (a dry run, a limit), so it is asked for with every retry.
    private func checkAgainstModels(_ request: VideoRequest, deadlineMs: Int64, mustHave: Bool) async throws(CoreError) {
        if Task.isCancelled { throw CoreError(.cancelled(logId: nil)) }
        var list = models.current
        if list == nil {
            do {
                let fetched = try await client.videoModels(maxAttempts: mustHave ? nil : 1, deadlineMs: deadlineMs).data
                models.store(fetched)
                list = fetched
            } catch {
                if case .cancelled = error.kind { throw error }
                client.logger?.info("the video models could not be listed (\(error.message)); the job's options are not checked")
                return
            }
        }
        guard let list else { return }
        let issues = VideoModelRules.issues(request, models: list)
        if !issues.isEmpty { throw CoreError(.invalidParams(issues)) }
    }

    /// The job's price from the video model list at hand (the first matching row); unknown without one.
    func quote(_ request: VideoRequest) -> Quote {
        let model = request.body["model"]?.stringValue ?? ""
        guard let list = models.current else {
            return Quote(model: model, price: .unknown(reason: "the video model list could not be read"), pricing: .null)
        }
        let (price, pricing) = Pricing.video(request.body, in: list)
        return Quote(model: model, price: price, pricing: pricing)
    }

    /// The idempotency table compares bodies: a video body is marked so it never equals an image job's.
    private func videoKeyed(_ body: JSONObject) -> JSONObject {
        var b = body
        b["\u{0}video"] = true
        return b
    }

    /// Runs the submission in a task of its own, so a cancel cannot cut it off mid-flight: the job
    /// may be billed and the caller must learn its taskId.
    private func submitShielded(_ body: JSONObject, deadlineMs: Int64) async throws(CoreError) -> UpstreamReply {
        let (client, onTheWire) = (self.client, self.onTheWire)
        let result = await Task { () async -> Result<UpstreamReply, CoreError> in
            do throws(CoreError) {
                return .success(try await onTheWire.counting { () async throws(CoreError) -> UpstreamReply in
                    try await client.submitVideo(body, deadlineMs: deadlineMs)
                })
            } catch { return .failure(error) }
        }.value
        return try result.get()
    }

    /// Polls on the video schedule until the status is terminal, the time is up, or the request is cancelled.
    private func follow(taskId: String, options: PollOptions, startMs: Int64, trail: inout String?,
                        events: @Sendable (JobEvent) -> Void, pollFirst: Bool = false,
                        seen: JSONValue? = nil) async throws(CoreError) -> JSONValue {
        let schedule = PollSchedule(intervalMs: options.pollIntervalMs, forVideo: true)
        var last = seen
        var poll = 0
        while true {
            let elapsed = clock.nowMs - startMs
            let remaining = Int64(options.timeoutMs) - elapsed
            if remaining <= 0 { throw CoreError(.timedOut(logId: taskId, task: last), upstreamRequestId: trail, logId: taskId) }
            if !(pollFirst && poll == 0) {
                let delay = schedule.delayMs(beforePoll: poll + 1, elapsedMs: elapsed)
                do {
                    try await clock.sleep(ms: min(delay, remaining))
                } catch {
                    throw CoreError(.cancelled(logId: taskId), upstreamRequestId: trail, logId: taskId)
                }
                if delay >= remaining { throw CoreError(.timedOut(logId: taskId, task: last), upstreamRequestId: trail, logId: taskId) }
            }
            let status: JSONValue
            do {
                let reply = try await askStatus(taskId: taskId, deadlineMs: startMs + Int64(options.timeoutMs), last: last)
                status = reply.data
                trail = reply.requestId ?? trail
            } catch var e {
                if case .cancelled = e.kind { e.kind = .cancelled(logId: taskId) }
                e.logId = taskId
                e.upstreamRequestId = e.upstreamRequestId ?? trail
                throw e
            }
            if Task.isCancelled { throw CoreError(.cancelled(logId: taskId), upstreamRequestId: trail, logId: taskId) }
            poll += 1
            last = status
            let s = status["status"]?.stringValue ?? ""
            events(.polled(logId: taskId, status: s, poll: poll, elapsedMs: clock.nowMs - startMs, video: true))
            if Outcome(status: s) != .running { return status }
        }
    }

    /// One status request, cut off when the job's deadline passes (`-32012`, not a late `-32013`).
    private func askStatus(taskId: String, deadlineMs: Int64, last: JSONValue?) async throws(CoreError) -> UpstreamReply {
        let client = self.client
        let ownLimit = Int64(client.settings.connectTimeoutMs + client.settings.requestTimeoutMs)
        let reply = try await clock.beforeDeadline(deadlineMs, bodyLimitMs: ownLimit) { () async throws(CoreError) -> UpstreamReply in
            try await client.videoStatus(taskId: taskId, deadlineMs: deadlineMs)
        }
        guard let reply else { throw CoreError(.timedOut(logId: taskId, task: last), logId: taskId) }
        return reply
    }

    private func save(_ task: JSONValue, taskId: String, to dir: String?, deadlineMs: Int64,
                      trail: String?) async throws(CoreError) -> JSONValue {
        guard let dir, case .object(var o) = task else { return task }
        let paths: [String]
        do {
            paths = try await saver.save(task: task, taskId: taskId, to: dir, deadlineMs: deadlineMs, clock: clock)
        } catch var e {
            e.upstreamRequestId = e.upstreamRequestId ?? trail
            throw e
        }
        o["saved"] = .array(paths.map { .string($0) })
        return .object(o)
    }
}
