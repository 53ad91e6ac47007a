import JSONValue

/// The main job: submit an image generation, follow it to its end, or resume one by logId.
public struct ImageJobs: Sendable {
    public let client: UpstreamClient
    public let saver: ImageSaver

    public init(client: UpstreamClient, saver: ImageSaver) {
        self.client = client
        self.saver = saver
    }

    var clock: CoreClock { client.clock }

    /// Submits, then (when `options.wait`) polls until the job ends. `startMs` is when the request arrived.
    public func generate(_ request: ImageRequest, options: PollOptions, saveTo: String?, startMs: Int64,
                         events: @Sendable (JobEvent) -> Void) async throws(CoreError) -> JSONValue {
        if Task.isCancelled { throw CoreError(.cancelled(logId: nil)) }
        let reply: UpstreamReply
        do {
            reply = try await submitShielded(request.body, deadlineMs: startMs + Int64(options.timeoutMs))
        } catch {
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
        events(.submitted(logId: logId, status: submission["status"]?.stringValue ?? "generating",
                          elapsedMs: clock.nowMs - startMs))
        // The job is billed now: a cancel that came during submission is answered with its id.
        if Task.isCancelled { throw CoreError(.cancelled(logId: logId), upstreamRequestId: trail, logId: logId) }
        guard options.wait else { return submission }
        // The caller's own n bounds the images, whatever the status claims it asked for.
        let asked = request.body["n"]?.integerValue ?? 1
        let task = try await follow(logId: logId, options: options, startMs: startMs, trail: &trail, askedFor: asked,
                                    events: events, seen: submission)
        if task["status"]?.stringValue == "failed" {
            throw CoreError(.jobFailed(logId: logId, task: task), upstreamRequestId: trail, logId: logId)
        }
        return try await save(task, logId: logId, to: saveTo, deadlineMs: startMs + Int64(options.timeoutMs), trail: trail)
    }

    /// The status of a job; with `options.wait`, its final status, `failed` included.
    public func status(logId: String, options: PollOptions, saveTo: String?, startMs: Int64,
                       events: @Sendable (JobEvent) -> Void) async throws(CoreError) -> JSONValue {
        var task: JSONValue
        var trail: String?
        if options.wait {
            task = try await follow(logId: logId, options: options, startMs: startMs, trail: &trail, events: events, pollFirst: true)
        } else {
            let reply = try await client.taskStatus(logId: logId, deadlineMs: startMs + Int64(options.timeoutMs))
            task = ImageLimit.apply(to: reply.data)
            trail = reply.requestId
            events(.polled(logId: logId, status: task["status"]?.stringValue ?? "", poll: 1, elapsedMs: clock.nowMs - startMs))
        }
        if task["status"]?.stringValue == "success" {
            task = try await save(task, logId: logId, to: saveTo, deadlineMs: startMs + Int64(options.timeoutMs), trail: trail)
        }
        return task
    }

    public func models() async throws(CoreError) -> JSONValue {
        try await client.models().data
    }

    /// Runs the submission in a task of its own, so a cancel cannot cut it off mid-flight:
    /// the job may be billed and the caller must learn its logId. The HTTP timeout bounds the wait.
    private func submitShielded(_ body: JSONObject, deadlineMs: Int64) async throws(CoreError) -> UpstreamReply {
        let client = self.client
        let result = await Task { () async -> Result<UpstreamReply, CoreError> in
            do throws(CoreError) { return .success(try await client.submit(body, deadlineMs: deadlineMs)) } catch { return .failure(error) }
        }.value
        return try result.get()
    }

    /// Polls until the status is terminal, the time is up, or the request is cancelled.
    /// `trail` keeps the request id of the last answered exchange, for error reports.
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
                let reply = try await client.taskStatus(logId: logId, deadlineMs: startMs + Int64(options.timeoutMs))
                status = ImageLimit.apply(to: reply.data, askedFor: askedFor)
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
