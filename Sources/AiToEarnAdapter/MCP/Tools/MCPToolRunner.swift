import AiToEarnCore
import JSONRPC
import JSONValue

/// Runs one tool call through the shared core and shapes the outcome as a `CallToolResult`.
/// All AiToEarn behaviour (validation, polling, retries, errors) comes from the core.
struct MCPToolRunner: Sendable {
    let session: Session
    /// How this call may have the user confirm a job's price.
    var confirmation = MCPConfirmation.byArgument

    /// A tool call whose arguments were read and found good, ready to run; or the `isError`
    /// result that says what is wrong with them (nothing ran, nothing was created).
    enum Prepared: Sendable {
        case ready(@Sendable (MCPProgress) async throws -> JSONValue)
        case refused(JSONValue)
    }

    /// `followToEnd` (task-augmented calls) polls until the job ends instead of for `wait_seconds`.
    func run(name: String, arguments: JSONValue?, progress: MCPProgress, followToEnd: Bool) async throws -> JSONValue {
        switch try prepare(name: name, arguments: arguments, followToEnd: followToEnd) {
        case .refused(let result): return result
        case .ready(let go): return try await go(progress)
        }
    }

    /// Reads the arguments of tool `name`. A `null` member counts as absent: strict tool schemas
    /// make every optional field required and nullable, and a model then sends null for "unset".
    func prepare(name: String, arguments: JSONValue?, followToEnd: Bool) throws -> Prepared {
        var r = FieldReader(params: arguments.map(Self.droppingNulls))
        switch name {
        case MCPToolCatalog.generate:
            return jobTool(ImageGenerateMethod.self, &r, defaultWait: 45, failedIsError: true, followToEnd: followToEnd)
        case MCPEditImageTool.name:
            return jobTool(ImageEditMethod.self, &r, defaultWait: 45, failedIsError: true, followToEnd: followToEnd)
        case MCPToolCatalog.status:
            return jobTool(TaskStatusMethod.self, &r, defaultWait: 0, failedIsError: false, followToEnd: followToEnd)
        case MCPVideoTool.name:
            return jobTool(VideoGenerateMethod.self, &r, defaultWait: 45, failedIsError: true, followToEnd: followToEnd, imageData: false)
        case MCPVideoTool.models:
            return lookup(&r) { session throws(CoreError) in ["models": try await session.videos.modelList()] }
        case MCPToolCatalog.listJobs:
            let query = JobListQuery.read(&r, pageSizeField: "page_size")
            return lookup(&r) { session throws(CoreError) in
                let page = try await session.jobs.list(query)
                // The service's page as it is; anything else it might send is kept under one name.
                return page.objectValue ?? ["page": page]
            }
        case MCPToolCatalog.models:
            let kind = r.oneOf("kind", ImageJobKind.allCases.map(\.rawValue)).flatMap(ImageJobKind.init(rawValue:)) ?? .generation
            return lookup(&r) { session throws(CoreError) in ["models": try await session.jobs.models(kind: kind)] }
        default:
            throw RPCError.invalidParams("Unknown tool \"\(name)\": call tools/list for the tools this server offers.")
        }
    }

    private static func droppingNulls(_ value: JSONValue) -> JSONValue {
        guard case .object(let o) = value else { return value }
        return .object(JSONObject(o.filter { $0.value != .null }.map { ($0.key, $0.value) }))
    }

    /// A tool that only reads (no job, nothing billed): its arguments checked first, then
    /// `read`'s object as `structuredContent`, or the failure as a tool error.
    private func lookup(_ r: inout FieldReader,
                        _ read: @escaping @Sendable (Session) async throws(CoreError) -> JSONObject) -> Prepared {
        r.rejectUnknown()
        guard r.issues.isEmpty else { return .refused(MCPToolResult.invalidArguments(r.issues)) }
        let runner = self
        return .ready { progress in
            let structured: JSONObject
            do throws(CoreError) {
                structured = try await read(runner.session)
            } catch {
                return try runner.failure(error, progress: progress)
            }
            return MCPToolResult.result(structured: structured, extra: [], isError: false)
        }
    }

    /// A job tool runs the core call of the JSON-RPC method it mirrors; only its arguments
    /// (`wait_seconds`, `include_image_data`) and its result's shape are its own.
    private func jobTool<M: JobMethod>(_ method: M.Type, _ r: inout FieldReader, defaultWait: Int, failedIsError: Bool,
                                       followToEnd: Bool, imageData: Bool = true) -> Prepared {
        let key = M.submits ? JobOptions.readIdempotencyKey(&r, field: "idempotency_key") : nil
        let offered = M.submits ? r.credits("confirm_credits") : nil
        guard let (subject, wait, includeData) = readJob(&r, subject: M.readSubject, defaultWait: defaultWait, imageData: imageData) else {
            return .refused(MCPToolResult.invalidArguments(r.issues))
        }
        let video = M.isVideo(subject)
        let options = pollOptions(waitSeconds: wait, followToEnd: followToEnd, video: video)
        let runner = self
        return .ready { progress in
            // A video is saved where the tools keep their files: its result links the local copy, not a URL that may expire.
            var job = JobRun(poll: options, saveTo: video ? runner.session.mcp.imageDirectory : nil, startMs: runner.session.clock.nowMs,
                             idempotencyKey: key, events: progress.event)
            // Every job tool says what its job costs: the quote before submitting, points once the service says.
            let trail = MCPCreditTrail()
            if M.submits {
                job.credits.wantsQuote = true
                job.credits.quoted = { trail.quoted($0) }
                if let threshold = runner.session.confirmCreditsAbove {
                    let channel = runner.confirmation
                    job.credits.approve = { quote async throws(CoreError) in
                        try await MCPCredits.confirm(quote, threshold: threshold, offered: offered, channel: channel)
                    }
                }
            }
            let method = M(session: runner.session)
            let body = { () async throws(CoreError) -> JSONValue in
                do throws(CoreError) {
                    let result = try await method.run(subject, job)
                    trail.charged(result["points"])
                    return result
                } catch {
                    if case .jobFailed(_, let task) = error.kind { trail.charged(task["points"]) }
                    throw error
                }
            }
            let result = video ? try await runner.videoOutcome(failedIsError: failedIsError, progress: progress, body)
                : try await runner.outcome(includeData: includeData, failedIsError: failedIsError, progress: progress, body)
            return MCPCredits.adding(trail.summary, to: result)
        }
    }

    /// Reads a job tool's arguments: its own fields, `wait_seconds`, `include_image_data`, nothing else.
    private func readJob<Subject>(_ r: inout FieldReader, subject: (inout FieldReader) -> Subject?, defaultWait: Int,
                                  imageData: Bool) -> (Subject, Int, Bool)? {
        let s = subject(&r)
        let wait = r.integer("wait_seconds", in: 0...600).map(Int.init) ?? defaultWait
        let includeData = imageData ? r.bool("include_image_data") ?? false : false
        r.rejectUnknown()
        guard r.issues.isEmpty, let s else { return nil }
        return (s, wait, includeData)
    }

    private func pollOptions(waitSeconds: Int, followToEnd: Bool, video: Bool) -> PollOptions {
        let (timeout, interval) = JobOptions.defaults(video: video, settings: session.settings)
        if followToEnd { return PollOptions(wait: true, timeoutMs: timeout, pollIntervalMs: interval) }
        // Not waiting, the one request still has the session's time (its retries, say), not none.
        return PollOptions(wait: waitSeconds > 0, timeoutMs: waitSeconds > 0 ? waitSeconds * 1000 : timeout, pollIntervalMs: interval)
    }

    /// A video job's outcome as a tool result: finished (links to the saved video and cover), failed, or still running.
    fileprivate func videoOutcome(failedIsError: Bool, progress: MCPProgress,
                                  _ body: () async throws(CoreError) -> JSONValue) async throws -> JSONValue {
        let task: JSONValue
        do {
            task = try await body()
        } catch {
            switch error.kind {
            case .timedOut(let taskId, let last):
                return MCPVideoTool.result(["id": .string(taskId), "status": last?["status"] ?? "SUBMITTED"], saved: [], isError: false)
            case .jobFailed(let taskId, let failed):
                progress.log("warning", "Video job \(taskId) failed.")
                return MCPVideoTool.result(failed, saved: [], isError: true)
            default:
                return try failure(error, progress: progress)
            }
        }
        let status = task["status"]?.stringValue ?? ""
        switch VideoJobs.Outcome(status: status) {
        case .succeeded:
            progress.log("info", "Video job \(task["id"]?.stringValue ?? "") finished.")
            return MCPVideoTool.result(task, saved: task["saved"]?.arrayValue?.compactMap(\.stringValue) ?? [], isError: false)
        case .failed:
            return MCPVideoTool.result(task, saved: [], isError: failedIsError)
        case .running:
            return MCPVideoTool.result(task, saved: [], isError: false)
        }
    }

    fileprivate func outcome(includeData: Bool, failedIsError: Bool, progress: MCPProgress,
                         _ body: () async throws(CoreError) -> JSONValue) async throws -> JSONValue {
        let task: JSONValue
        do {
            task = try await body()
        } catch {
            switch error.kind {
            case .timedOut(let logId, let last):
                return MCPToolResult.pending(logId: logId, status: last?["status"]?.stringValue ?? "generating")
            case .jobFailed(_, let failed):
                progress.log("warning", "Image job \(failed["logId"]?.stringValue ?? "") failed.")
                return try await finished(failed, includeData: includeData, isError: true, progress: progress)
            default:
                return try failure(error, progress: progress)
            }
        }
        let logId = task["logId"]?.stringValue ?? ""
        switch task["status"]?.stringValue {
        case "success":
            progress.log("info", "Image job \(logId) finished.")
            return try await finished(task, includeData: includeData, isError: false, progress: progress)
        case "failed":
            return try await finished(task, includeData: includeData, isError: failedIsError, progress: progress)
        default:
            return MCPToolResult.pending(logId: logId, status: task["status"]?.stringValue ?? "generating")
        }
    }

    /// Saves images that arrived as base64 (URL images stay links), then builds the result.
    private func finished(_ task: JSONValue, includeData: Bool, isError: Bool, progress: MCPProgress) async throws -> JSONValue {
        let logId = task["logId"]?.stringValue ?? "image"
        do {
            // The folder holds what the agent asked for: made for this user alone (an existing one keeps its mode).
            PrivateFolder.create(session.mcp.imageDirectory)
            let saved = try await session.jobs.saver.save(task: task, logId: logId, to: session.mcp.imageDirectory, inlineOnly: true)
            for path in saved.values { PrivateFolder.makePrivate(file: path) }
            return MCPToolResult.job(task, saved: saved, includeData: includeData, isError: isError)
        } catch {
            return try failure(error, progress: progress)
        }
    }

    /// A core error as a tool error; cancellation stays cancellation (the engine sends nothing).
    fileprivate func failure(_ error: CoreError, progress: MCPProgress) throws -> JSONValue {
        if case .cancelled(let logId) = error.kind {
            // No response goes out, so the billed job's id would be lost: say it where the client looks.
            if let logId {
                let text = "The call was cancelled after job \(logId) was submitted; the job goes on and is billed. "
                    + "Call \(MCPToolCatalog.status) with \(error.idField) \(logId) to get its \(error.video ? "video" : "images")."
                session.logger.warn(text)
                progress.log("warning", text)
            }
            throw CancellationError()
        }
        if case .invalidParams(let issues) = error.kind { return MCPToolResult.invalidArguments(issues) }
        if case .needsConfirmation(let credits, _, nil, false) = error.kind, case .inputRequired = confirmation {
            // The client asks the user, then calls again with the answer.
            return MCPCredits.inputRequired(price: credits)
        }
        if let text = MCPCredits.refusalText(error) {
            progress.log("warning", text)
            return MCPToolResult.error(text)
        }
        let text = error.message(naming: MCPToolRunner.naming) + Self.details(error.kind)
        progress.log("error", text)
        // A billed job's id must reach the agent, in the structured result as well as the text.
        if let logId = error.jobLogId, !error.idNamesNoJob {
            let status: String
            if case .saveFailed(_, let task, _) = error.kind {
                status = task["status"]?.stringValue ?? (error.video ? "SUCCESS" : "success")
            } else {
                status = error.video ? "SUBMITTED" : "generating"
            }
            return MCPToolResult.jobError(logId: logId, status: status, text: text, video: error.video)
        }
        return MCPToolResult.error(text)
    }

    /// Operations as an MCP client knows them; its key lives in the server's environment.
    static let naming = OperationNames(generate: MCPToolCatalog.generate, status: MCPToolCatalog.status,
                                       models: MCPToolCatalog.models, sessionKey: nil, edit: MCPEditImageTool.name,
                                       videoGenerate: MCPVideoTool.name, videoModels: MCPVideoTool.models)

    /// What the service itself said, for the model to read alongside the adapter's sentence.
    private static func details(_ kind: CoreError.Kind) -> String {
        switch kind {
        case .upstream(let code, let message), .unauthorized(let code, let message):
            return " (service code \(code): \(message))"
        case .unreachable(let status?, _, _, _):
            return " (HTTP \(status))"
        default:
            return ""
        }
    }
}
