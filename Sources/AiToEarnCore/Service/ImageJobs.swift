import JSONValue

/// The main job: submit an image generation or edit, follow it to its end, or resume one by logId.
package final class ImageJobs: Sendable {
    package let client: UpstreamClient
    package let saver: ImageSaver
    /// The edit models, kept for the session to check input counts against.
    package let editModels: EditModelCatalog
    /// How large each job's status replies may be (larger for edit jobs with inline images).
    package let replyLimits: StatusReplyLimits

    /// Submissions out now, counted across the session's rebuilt cores.
    package let onTheWire: SubmissionsOnTheWire
    /// Submissions by idempotency key, shared likewise.
    package let idempotency: IdempotentSubmissions
    /// The n each submitted job asked for, so that `status` cuts its images by the caller's own n.
    package let asked: AskedImages
    /// The credits the process has committed, against its limit: one for every face and core.
    package let ledger: CreditLedger
    /// The generation models, kept for pricing as `editModels` is for edits.
    package let generationModels: EditModelCatalog

    package init(client: UpstreamClient, saver: ImageSaver, editModels: EditModelCatalog = EditModelCatalog(),
                replyLimits: StatusReplyLimits = StatusReplyLimits(), onTheWire: SubmissionsOnTheWire = SubmissionsOnTheWire(),
                asked: AskedImages = AskedImages(), idempotency: IdempotentSubmissions = IdempotentSubmissions(),
                ledger: CreditLedger = CreditLedger(limit: nil), generationModels: EditModelCatalog = EditModelCatalog()) {
        self.ledger = ledger
        self.generationModels = generationModels
        self.client = client
        self.saver = saver
        self.editModels = editModels
        self.replyLimits = replyLimits
        self.onTheWire = onTheWire
        self.idempotency = idempotency
        self.asked = asked
    }

    var clock: CoreClock { client.clock }

    /// Submits a generation, then (when `job.poll.wait`) polls until the job ends.
    /// With an idempotency key, a repeat of an earlier call's key follows that call's job instead of submitting.
    package func generate(_ request: ImageRequest, _ job: JobRun) async throws(CoreError) -> JSONValue {
        try await run(.generation, body: request.body, inlineBytes: 0, options: job.poll, saveTo: job.saveTo, startMs: job.startMs,
                      idempotencyKey: job.idempotencyKey, events: job.events, credits: job.credits)
    }

    /// Submits an edit, then follows it as `generate` does. First, when the edit models can be
    /// listed, the number of input images is checked against the model's `maxInputImages`.
    package func edit(_ request: EditRequest, _ job: JobRun) async throws(CoreError) -> JSONValue {
        let (options, startMs) = (job.poll, job.startMs)
        do {
            // Without a key nothing is sent, the model list included (a dry run submits nothing: it needs none).
            if !job.credits.dryRun { try client.requireKey() }
            try await checkInputCount(request, deadlineMs: startMs + Int64(options.timeoutMs))
            return try await run(.edit, body: request.body, inlineBytes: request.inlineBytes, options: options, saveTo: job.saveTo,
                                 startMs: startMs, idempotencyKey: job.idempotencyKey, events: job.events, credits: job.credits)
        } catch var e {
            e.jobKind = .edit
            if case .upstream(let code, _) = e.kind, code == UpstreamCode.invalidModel.rawValue { editModels.forget() }
            throw e
        }
    }

    /// Too many input images for the model is -32602 before anything is billed. The check is
    /// skipped, not failed, when the list cannot be had (one attempt: it is advice, not a need).
    private func checkInputCount(_ request: EditRequest, deadlineMs: Int64) async throws(CoreError) {
        if Task.isCancelled { throw CoreError(.cancelled(logId: nil)) }
        var models = editModels.current
        if models == nil {
            do {
                let list = try await client.models(kind: .edit, maxAttempts: 1, deadlineMs: deadlineMs).data
                editModels.store(list)
                models = list
            } catch {
                if case .cancelled = error.kind { throw error }
                client.logger?.info("the edit models could not be listed (\(error.message)); the input count is not checked")
                return
            }
        }
        guard let models, let max = EditModelCatalog.maxInputImages(of: request.model, in: models), request.imageCount > max else { return }
        throw CoreError(.invalidParams([ValidationIssue("image", "the model \"\(request.model)\" takes at most \(max) input "
            + "image\(max == 1 ? "" : "s") (its maxInputImages), not \(request.imageCount)")]))
    }

    /// Submits a job of `kind`, then (when `options.wait`) polls until it ends.
    @inline(never)
    private func run(_ kind: ImageJobKind, body: JSONObject, inlineBytes: Int, options: PollOptions, saveTo: String?,
                     startMs: Int64, idempotencyKey: String?, events: @Sendable (JobEvent) -> Void,
                     credits: CreditRun) async throws(CoreError) -> JSONValue {
        if Task.isCancelled { throw CoreError(.cancelled(logId: nil)) }
        let deadlineMs = startMs + Int64(options.timeoutMs)
        let quote = try await quote(kind, model: body["model"]?.stringValue ?? "", run: credits, deadlineMs: deadlineMs)
        credits.quoted?(quote)
        if credits.dryRun { return quote.dryRunResult }
        try await credits.approve?(quote)
        let reply: UpstreamReply
        do {
            let (jobs, ledger, price) = (self, self.ledger, quote.price)
            // Reserved inside the submission: a repeat of an idempotency key submits nothing and costs nothing.
            let charged: @Sendable () async throws(CoreError) -> UpstreamReply = { () async throws(CoreError) -> UpstreamReply in
                try await ledger.charging(price, idField: "logId") { () async throws(CoreError) -> UpstreamReply in
                    try await jobs.submitShielded(body, kind: kind, deadlineMs: deadlineMs)
                }
            }
            if let idempotencyKey {
                reply = try await idempotency.submit(key: idempotencyKey, kind: kind, body: body, charged)
            } else {
                reply = try await charged()
            }
        } catch {
            // The model list named a model the service no longer knows: price it anew next time.
            if case .upstream(let code, _) = error.kind, code == UpstreamCode.invalidModel.rawValue { generationModels.forget() }
            // Cancelled meanwhile: the caller asked to stop, so that is the answer it gets.
            if Task.isCancelled { throw CoreError(.cancelled(logId: nil), upstreamRequestId: error.upstreamRequestId) }
            throw error
        }
        var trail = reply.requestId
        let submission = reply.data
        // The id goes into URLs, file names and every notification: only the service's own shape is used.
        guard let logId = submission["logId"]?.stringValue, LogID.isValid(logId) else {
            throw CoreError(.badLogId(received: submission["logId"] ?? .null, upstreamMessage: reply.message), upstreamRequestId: trail)
        }
        // Its every status echoes the inputs: its polls, and task.status later, may read that much more.
        replyLimits.remember(logId: logId, inlineBytes: inlineBytes)
        asked.remember(logId: logId, n: body["n"]?.integerValue)
        events(.submitted(logId: logId, status: submission["status"]?.stringValue ?? "generating",
                          elapsedMs: clock.nowMs - startMs))
        // The job is billed now: a cancel that came during submission is answered with its id.
        if Task.isCancelled { throw CoreError(.cancelled(logId: logId), upstreamRequestId: trail, logId: logId) }
        guard options.wait else { return submission }
        // The caller's own n bounds the images, whatever the status claims it asked for.
        let asked = body["n"]?.integerValue ?? 1
        let task = try await follow(logId: logId, options: options, startMs: startMs, trail: &trail, askedFor: asked,
                                    events: events, seen: submission)
        ledger.observe(status: task, id: logId, video: false)
        if task["status"]?.stringValue == "failed" {
            throw CoreError(.jobFailed(logId: logId, task: task), upstreamRequestId: trail, logId: logId)
        }
        return try await save(task, logId: logId, to: saveTo, deadlineMs: startMs + Int64(options.timeoutMs), trail: trail)
    }

    /// The status of a job; with `job.poll.wait`, its final status, `failed` included.
    package func status(logId: String, _ job: JobRun) async throws(CoreError) -> JSONValue {
        let (options, saveTo, startMs, events) = (job.poll, job.saveTo, job.startMs, job.events)
        var task: JSONValue
        var trail: String?
        let askedFor = asked.n(for: logId)
        if options.wait {
            task = try await follow(logId: logId, options: options, startMs: startMs, trail: &trail, askedFor: askedFor,
                                    events: events, pollFirst: true)
        } else {
            let reply: UpstreamReply
            do {
                reply = try await askStatus(logId: logId, deadlineMs: startMs + Int64(options.timeoutMs), last: nil)
            } catch var e {
                e.logId = logId
                throw e
            }
            task = EchoedInputs.shorten(ImageLimit.apply(to: reply.data, askedFor: askedFor))
            trail = reply.requestId
            events(.polled(logId: logId, status: task["status"]?.stringValue ?? "", poll: 1, elapsedMs: clock.nowMs - startMs))
        }
        ledger.observe(status: task, id: logId, video: false)
        if task["status"]?.stringValue == "success" {
            task = try await save(task, logId: logId, to: saveTo, deadlineMs: startMs + Int64(options.timeoutMs), trail: trail)
        }
        return task
    }

    /// The price of a job of `kind` on `model`, from its model list: fetched when the price must
    /// be known (and kept for the session), else read only from a list already at hand. A list
    /// that cannot be had makes the price unknown, never 0.
    func quote(_ kind: ImageJobKind, model: String, run: CreditRun, deadlineMs: Int64) async throws(CoreError) -> Quote {
        let cache = kind == .edit ? editModels : generationModels
        var list = cache.current
        if list == nil && ledger.mustPrice(run) {
            do {
                let fetched = try await client.models(kind: kind, deadlineMs: deadlineMs).data
                cache.store(fetched)
                list = fetched
            } catch {
                if case .cancelled = error.kind { throw error }
                return Quote(model: model, price: .unknown(reason: "the \(kind == .edit ? "edit " : "")model list could not be read: "
                    + error.message), pricing: .null)
            }
        }
        guard let list else {
            return Quote(model: model, price: .unknown(reason: "no model list was read for its price"), pricing: .null)
        }
        let (price, pricing) = Pricing.image(model: model, in: list)
        return Quote(model: model, price: price, pricing: pricing)
    }

    /// A page of the caller's jobs (image or video), newest first, verbatim: how a caller finds
    /// a job whose id it lost.
    package func list(_ query: JobListQuery) async throws(CoreError) -> JSONValue {
        try await client.jobLogs(query.items).data
    }

    /// The service's model list of `kind`, verbatim (an edit list is also kept for input-count checks).
    package func models(kind: ImageJobKind = .generation) async throws(CoreError) -> JSONValue {
        do {
            let list = try await client.models(kind: kind).data
            if kind == .edit { editModels.store(list) }
            return list
        } catch var e {
            e.jobKind = kind
            throw e
        }
    }

    /// Runs the submission in a task of its own, so a cancel cannot cut it off mid-flight:
    /// the job may be billed and the caller must learn its logId. The HTTP timeout bounds the wait.
    @inline(never)
    private func submitShielded(_ body: JSONObject, kind: ImageJobKind, deadlineMs: Int64) async throws(CoreError) -> UpstreamReply {
        let (client, onTheWire) = (self.client, self.onTheWire)
        let result = await Task { () async -> Result<UpstreamReply, CoreError> in
            do throws(CoreError) {
                return .success(try await onTheWire.counting { () async throws(CoreError) -> UpstreamReply in
                    try await client.submit(body, kind: kind, deadlineMs: deadlineMs)
                })
            } catch { return .failure(error) }
        }.value
        return try result.get()
    }

    /// Polls until the status is terminal, the time is up, or the request is cancelled.
    /// `trail` keeps the request id of the last answered exchange, for error reports.
    @inline(never)
    private func follow(logId: String, options: PollOptions, startMs: Int64, trail: inout String?, askedFor: Int64? = nil,
                        events: @Sendable (JobEvent) -> Void, pollFirst: Bool = false,
                        seen: JSONValue? = nil) async throws(CoreError) -> JSONValue {
        let schedule = PollSchedule(intervalMs: options.pollIntervalMs)
        // Before any poll, the last status seen is the submission's.
        var last = seen
        var poll = 0
        while true {
            let elapsed = clock.nowMs - startMs
            let remaining = Int64(options.timeoutMs) - elapsed
            if remaining <= 0 { throw CoreError(.timedOut(logId: logId, task: last), upstreamRequestId: trail, logId: logId) }
            if !(pollFirst && poll == 0) {
                let delay = schedule.delayMs(beforePoll: poll + 1, elapsedMs: elapsed)
                do {
                    try await clock.sleep(ms: min(delay, remaining))
                } catch {
                    throw CoreError(.cancelled(logId: logId), upstreamRequestId: trail, logId: logId)
                }
                if delay >= remaining { throw CoreError(.timedOut(logId: logId, task: last), upstreamRequestId: trail, logId: logId) }
            }
            let status: JSONValue
            do {
                let reply = try await askStatus(logId: logId, deadlineMs: startMs + Int64(options.timeoutMs), last: last)
                status = EchoedInputs.shorten(ImageLimit.apply(to: reply.data, askedFor: askedFor))
                trail = reply.requestId ?? trail
            } catch var e {
                if case .cancelled = e.kind { e.kind = .cancelled(logId: logId) }
                e.logId = logId
                e.upstreamRequestId = e.upstreamRequestId ?? trail
                throw e
            }
            if Task.isCancelled { throw CoreError(.cancelled(logId: logId), upstreamRequestId: trail, logId: logId) }
            poll += 1
            last = status
            let s = status["status"]?.stringValue ?? ""
            events(.polled(logId: logId, status: s, poll: poll, elapsedMs: clock.nowMs - startMs))
            if s == "success" || s == "failed" { return status }
        }
    }

    /// One status request, cut off when the job's deadline passes: the caller gets `-32012` then,
    /// not an HTTP timeout's `-32013` tens of seconds later.
    private func askStatus(logId: String, deadlineMs: Int64, last: JSONValue?) async throws(CoreError) -> UpstreamReply {
        let client = self.client
        let limit = replyLimits.limit(for: logId)
        // One attempt's own bound; retries are already kept within the deadline by the client.
        let ownLimit = Int64(client.settings.connectTimeoutMs + client.settings.requestTimeoutMs)
        let reply = try await clock.beforeDeadline(deadlineMs, bodyLimitMs: ownLimit) { () async throws(CoreError) -> UpstreamReply in
            try await client.taskStatus(logId: logId, maxResponseBytes: limit, deadlineMs: deadlineMs)
        }
        guard let reply else { throw CoreError(.timedOut(logId: logId, task: last), logId: logId) }
        return reply
    }

    @inline(never)
    private func save(_ task: JSONValue, logId: String, to dir: String?, deadlineMs: Int64,
                      trail: String?) async throws(CoreError) -> JSONValue {
        guard let dir, case .object(var o) = task else { return task }
        let paths: [String]
        do {
            paths = try await saver.save(task: task, logId: logId, to: dir, deadlineMs: deadlineMs, clock: clock)
                .sorted { $0.key < $1.key }.map(\.value)
        } catch var e {
            e.upstreamRequestId = e.upstreamRequestId ?? trail
            throw e
        }
        o["saved"] = .array(paths.map { .string($0) })
        return .object(o)
    }
}
