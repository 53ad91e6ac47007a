import JSONValue

/// Everything that can go wrong in the core, as a value a program can act on.
package struct CoreError: Error, Sendable {
    package indirect enum Kind: Sendable {
        case invalidParams([ValidationIssue])
        case noAPIKey
        case unauthorized(upstreamCode: Int, upstreamMessage: String)
        case upstream(code: Int, message: String)
        /// The submission was accepted but its logId is not the service's shape; nothing more is asked.
        case badLogId(received: JSONValue, upstreamMessage: String)
        case jobFailed(logId: String, task: JSONValue)
        case timedOut(logId: String, task: JSONValue?)
        case unreachable(httpStatus: Int?, attempts: Int, reason: String, maybeSubmitted: Bool)
        case rateLimited(retryAfterMs: Int?)
        /// No HTTP client could be loaded (libcurl is missing); nothing was sent.
        case noHTTPClient(reason: String)
        /// The service answered with a redirect, which API calls never follow.
        case redirected(httpStatus: Int, location: String)
        case saveFailed(logId: String, task: JSONValue, reason: String)
        case cancelled(logId: String?)
        /// The service refused the request as too large (HTTP 413): nothing was submitted.
        case requestTooLarge(bodyBytes: Int)
        /// The reply was larger than the request allowed, so it was not read (and not asked for again).
        /// `maybeSubmitted`: the request was a submission, which the service may have taken and billed.
        case replyTooLarge(limitBytes: Int, maybeSubmitted: Bool = false)
        /// The spending limit would be passed, or the price cannot be known under a limit
        /// (`reason` says why): nothing was sent.
        case overLimit(credits: Double?, committed: Double, limit: Double, reason: String?)
        /// A job priced above the caller's confirmation threshold was not confirmed: nothing was
        /// sent. `offered` is a confirmation of another price; `declined`, the user said no.
        case needsConfirmation(credits: Double, threshold: Double, offered: Double?, declined: Bool)
    }

    package var kind: Kind
    /// The job this error concerns, when one was already submitted.
    package var logId: String?
    /// The `X-Request-Id` of the last attempt that got an answer, when there was an HTTP exchange.
    package var upstreamRequestId: String?
    /// The kind of job the failed operation concerned, so that advice names the right model list.
    package var jobKind: ImageJobKind = .generation
    /// A video job: `logId` and the kinds' ids hold its taskId, and every message and `data` name it so.
    package var video = false

    /// How the job's id is named to the caller: `taskId` for a video job, else `logId`.
    package var idField: String { video ? "taskId" : "logId" }

    /// The submitted job this error concerns, from `logId` or from the kind itself.
    package var jobLogId: String? {
        if let logId { return logId }
        switch kind {
        case .jobFailed(let id, _), .timedOut(let id, _), .saveFailed(let id, _, _): return id
        case .cancelled(let id): return id
        default: return nil
        }
    }

    /// The service said the id is no job of the caller's ("no such task", "malformed id"):
    /// there is no billed job to follow, whatever `logId` says.
    package var idNamesNoJob: Bool {
        guard case .upstream(let code, _) = kind else { return false }
        return code == UpstreamCode.taskNotFound.rawValue || code == UpstreamCode.validationFailed.rawValue
            || code == UpstreamCode.invalidTaskId.rawValue
    }

    package init(_ kind: Kind, upstreamRequestId: String? = nil, logId: String? = nil) {
        self.kind = kind
        self.logId = logId
        self.upstreamRequestId = upstreamRequestId
    }

    /// The adapter's own sentence: what happened and what to do.
    package var message: String { message(naming: .methods) }

    /// The sentence with operations named as the caller knows them.
    ///
    /// Once a job was submitted (`logId` is set) it is billed and runs on upstream whatever went
    /// wrong afterwards, so every such message ends by saying so and how to follow it: advice to
    /// "try again" would have the caller pay for the same job twice.
    package func message(naming n: OperationNames) -> String {
        if let logId, let what = whileFollowing(naming: n) {
            return what + " " + Self.billedJob(logId, naming: n, video: video)
        }
        return ownMessage(naming: n)
    }

    /// The job is billed and goes on; never submit it again; follow it with the status operation.
    package static func billedJob(_ logId: String, naming n: OperationNames, video: Bool = false) -> String {
        "Job \(logId) was submitted and is billed; it goes on upstream, so do not submit it again: "
            + "call \(n.status) with \(video ? "taskId" : "logId") \(logId) to follow it."
    }

    /// What went wrong after a submission, for the kinds whose own advice is about a new request;
    /// nil for the kinds that already speak of the job (failed, timed out, cancelled, not saved).
    private func whileFollowing(naming n: OperationNames) -> String? {
        switch kind {
        case .unauthorized:
            return "The API key was rejected while the job was being followed (set a valid key before calling \(n.status))."
        case .noAPIKey:
            return "No API key is configured to follow the job with."
        case .upstream(let code, _) where code == UpstreamCode.taskNotFound.rawValue:
            // The service says there is no such job: calling it billed would be a guess, and the id is what to check.
            return nil
        case .upstream(let code, _):
            if idNamesNoJob { return nil }
            return "The service refused a status request for the job (code \(code): see data.upstreamMessage)."
        case .unreachable(let status, let attempts, let reason, _):
            let what = Self.lastAnswer(status, reason)
            // Where to look before following the job again; never "try again", which reads as "submit again".
            let look = Self.brokenReply(status, reason) ? "check that the base URL is the AiToEarn API"
                : "check your network, proxy and base URL"
            return "The AiToEarn service \(what) after \(attempts) attempt\(attempts == 1 ? "" : "s") while the job was being followed "
                + "(\(look))."
        case .rateLimited(let ms):
            return "The AiToEarn service kept rate-limiting the job's status requests" + (ms.map { " (retry after \($0) ms)." } ?? ".")
        case .noHTTPClient(let reason):
            return "The job's status could not be asked for: \(reason)."
        case .redirected(let status, let location):
            return "A status request for the job was answered with HTTP \(status), a redirect to \(location), which is not followed."
        case .replyTooLarge(let limit, _):
            return "The job's status reply was larger than the \(ImageInput.megabytes(limit)) this request accepts, so it was not read "
                + "(an edit job's status echoes its inline images: follow it from the session that submitted it)."
        case .invalidParams, .badLogId, .requestTooLarge, .jobFailed, .timedOut, .saveFailed, .cancelled, .overLimit, .needsConfirmation:
            return nil
        }
    }

    /// A number of credits as people write it: 10, not 10.0.
    package static func number(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    /// What the last attempt came to. A status that was not itself the failure (an HTTP 200 with an
    /// unusable body) is followed by why the body was unusable, which the status alone would hide.
    private static func lastAnswer(_ status: Int?, _ reason: String) -> String {
        guard let status else { return brokenReply(status, reason) ? "sent \(reason)" : "could not be reached (\(reason))" }
        return reason.hasPrefix("HTTP \(status) ") ? "answered \(reason)" : "answered HTTP \(status)"
    }

    /// Something answered, but not as the AiToEarn API does: the network is fine, the base URL
    /// or a proxy in between is what to look at.
    private static func brokenReply(_ status: Int?, _ reason: String) -> Bool {
        if let status { return (200..<300).contains(status) }
        return reason.hasPrefix("a reply ")
    }

    private func ownMessage(naming n: OperationNames) -> String {
        let keyPlaces = n.sessionKey.map { "set AITOEARN_API_KEY, pass --api-key-file, or send \($0)" }
            ?? "set AITOEARN_API_KEY in the server's environment or pass --api-key-file"
        switch kind {
        case .invalidParams(let issues):
            let list = issues.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            return "Invalid params: \(list)."
        case .noAPIKey:
            return "No API key is configured: \(keyPlaces) (or start with --simulate to try everything offline, without a key)."
        case .unauthorized:
            return "The API key was rejected: \(keyPlaces) with a valid key."
        case .upstream(let code, _):
            switch UpstreamCode(rawValue: code) {
            case .insufficientCredits: return "Your AiToEarn credits are insufficient: top up your account, then try again."
            case .invalidModel:
                if video { return "The service refused the video job's model or its options (code 12300): call \(n.videoModels) and pick a model and values from it." }
                return "The service does not know this model: call \(n.models(for: jobKind)) and pick one of its names."
            case .aiCallFailed: return "The service's AI call failed: try again later or with another model."
            case .invalidTaskId: return "The service has no video job with this taskId: check the id (it comes from \(n.videoGenerate))."
            case .taskNotFound: return "The service has no task with this logId: check the id (it comes from \(n.generate) or \(n.edit))."
            case .validationFailed, .badRequest:
                // 400 is also what a body that fails the service's schema gets ("Bad request", no detail).
                return "The service rejected the request's parameters (code \(code)): check them against \(n.models(for: jobKind)) and the input schema."
            default: return "The service refused the request (code \(code)): see data.upstreamMessage."
            }
        case .badLogId:
            return "The service accepted the submission but answered with an unusable logId (see data.receivedLogId): "
                + "the job may have been submitted and billed; check your history before retrying."
        case .jobFailed(let logId, _) where video:
            return "The video job \(logId) failed on the service (failed jobs are refunded): see data.task.error.message; "
                + "change the prompt, inputs or model and try again."
        case .jobFailed(let logId, _):
            return "The image job \(logId) failed on the service (failed jobs are refunded): see data.task.errorMessage; "
                + "change the prompt or model and try again."
        case .timedOut(let logId, _):
            return "The \(video ? "video" : "image") job \(logId) did not finish in time. " + Self.billedJob(logId, naming: n, video: video)
        case .unreachable(let status, let attempts, let reason, let maybeSubmitted):
            let what = Self.lastAnswer(status, reason)
            let hint = maybeSubmitted
                ? " The job may have been submitted and billed: it was not resent; check your history before retrying."
                : Self.brokenReply(status, reason)
                ? " Check that the base URL is the AiToEarn API and that no proxy in between rewrites its replies."
                : " Check your network, proxy and base URL, then try again."
            return "The AiToEarn service \(what) after \(attempts) attempt\(attempts == 1 ? "" : "s").\(hint)"
        case .noHTTPClient(let reason):
            return "No request was sent: \(reason)."
        case .redirected(let status, let location):
            return "The AiToEarn service answered HTTP \(status), a redirect to \(location), which is not followed "
                + "(the API key never leaves the configured service): check --base-url or AITOEARN_BASE_URL."
        case .rateLimited(let ms):
            return "The AiToEarn service is rate-limiting requests" + (ms.map { ": wait \($0) ms and try again." } ?? ": wait a little and try again.")
        case .saveFailed(let logId, _, let reason) where video:
            return "The video job \(logId) succeeded but its video could not be saved (\(reason)); data.task holds its URLs. "
                + Self.billedJob(logId, naming: n, video: true)
        case .saveFailed(let logId, _, let reason):
            return "The image job \(logId) succeeded but its images could not be saved (\(reason)); data.task holds the images. "
                + Self.billedJob(logId, naming: n)
        case .requestTooLarge(let bytes):
            return "The AiToEarn service refused the request as too large (HTTP 413, \(ImageInput.megabytes(bytes))), so nothing was "
                + "submitted or billed: pass the images as http(s) URLs instead of local files or data: URIs."
        case .replyTooLarge(let limit, true):
            // The service answered, so it most likely took the job: resending could bill it twice.
            return "The AiToEarn service's reply to the submission was larger than the \(ImageInput.megabytes(limit)) this request "
                + "accepts, so it was not read. The job may have been submitted and billed: it was not resent; "
                + "check your history before retrying."
        case .replyTooLarge(let limit, false):
            return "The AiToEarn service's reply was larger than the \(ImageInput.megabytes(limit)) this request accepts, so it was not read. "
                + "The status of an edit job echoes its inline input images: follow such a job with the session that submitted it "
                + "(its polls allow for them), or submit the images as http(s) URLs."
        case .cancelled(let logId):
            return logId.map { "The request was cancelled. " + Self.billedJob($0, naming: n, video: video) }
                ?? "The request was cancelled before any job id was known."
        case .needsConfirmation(let credits, let threshold, let offered, let declined):
            if declined { return "Nothing was submitted: the user declined to spend \(Self.number(credits)) credits on this job." }
            if let offered {
                return "Nothing was submitted: the confirmed price, \(Self.number(offered)) credits, is not this job's price, "
                    + "\(Self.number(credits)) credits."
            }
            return "Nothing was submitted: this job costs \(Self.number(credits)) credits, above the \(Self.number(threshold)) "
                + "credits a job may cost without the user's confirmation."
        case .overLimit(let credits, let committed, let limit, let reason):
            let held = "\(Self.number(committed)) of the \(Self.number(limit))-credit spending limit (--max-credits) "
                + "\(committed == 1 ? "is" : "are") committed"
            guard let credits else {
                return "Nothing was submitted: the price of this job cannot be known (\(reason ?? "no price")) and a spending "
                    + "limit is set (\(held)); pick a model whose price the model list gives."
            }
            return "Nothing was submitted: this job costs \(Self.number(credits)) credits and \(held), which it would pass. "
                + "Wait for running jobs to end (failed ones give their credits back), or raise the limit."
        }
    }
}
