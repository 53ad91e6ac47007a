import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// The `data` of a successful envelope, and the `X-Request-Id` of the attempt that got it.
package struct UpstreamReply: Sendable {
    package var data: JSONValue
    package var requestId: String?
    /// The envelope's own message.
    package var message: String = ""
}

/// What the client draws on and reports to besides the network; tests replace the clock,
/// the jitter and the request ids.
package struct UpstreamContext: Sendable {
    package var clock: CoreClock = SystemClock()
    package var health: HealthMonitor?
    package var logger: Logger?
    package var trace: TraceRecorder?
    package var jitter: @Sendable () -> Double = { Double.random(in: 0..<1) }
    package var newRequestId: @Sendable () -> String = { RequestIDs.next() }
    package init() {}
}

/// Talks to the AiToEarn API: builds requests, reads envelopes, retries by the rules, reports health.
package final class UpstreamClient: Sendable {
    let settings: Settings
    let transport: HTTPTransport
    let retry: RetryPolicy
    let context: UpstreamContext
    var clock: CoreClock { context.clock }
    var health: HealthMonitor? { context.health }
    var logger: Logger? { context.logger }
    var trace: TraceRecorder? { context.trace }

    package init(settings: Settings, transport: HTTPTransport, context: UpstreamContext = UpstreamContext()) {
        self.settings = settings
        self.transport = transport
        self.context = context
        retry = RetryPolicy(baseDelayMs: settings.retryBaseDelayMs)
        var base = settings.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        baseText = base
    }

    /// The base URL as text without a trailing slash. Every path is a fixed one with hexadecimal
    /// ids, so text appended to it parses to what `appendingPathComponent` makes, at a third of
    /// its cost (which was 4% of a status round trip's instructions).
    private let baseText: String

    /// Submits a job of `kind`. Not idempotent: resent only when the server surely did not take it.
    /// `deadlineMs` (on `clock`) bounds the waits between attempts: a wait that would pass it is not made.
    package func submit(_ body: JSONObject, kind: ImageJobKind = .generation, deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("POST", kind.submitPath, body: .object(body), needsKey: true, idempotent: false,
                       deadlineMs: deadlineMs)
    }

    /// A job's status. `maxResponseBytes` is larger than the usual 8 MB only for a job known to echo
    /// large inputs (an edit job with inline images).
    package func taskStatus(logId: String, maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes,
                           deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("GET", UpstreamAPI.task(logId), body: nil, needsKey: true, idempotent: true, deadlineMs: deadlineMs,
                       maxResponseBytes: maxResponseBytes, check: Self.statusProblem)
    }

    /// Why a successful envelope's `data` is not a job status, or nil when it is one. Everything
    /// downstream (polling, saving, every face) reads `status` as a string from an object: `null`
    /// or `status: 42` would otherwise be handed on as a result the caller cannot act on.
    static func statusProblem(_ data: JSONValue) -> String? {
        guard case .object(let o) = data, o["status"]?.stringValue != nil else {
            return "a status that is not an object with a string status"
        }
        return nil
    }

    /// The model list of `kind`; needs no key. `maxAttempts` lowers the retry policy's count, for
    /// callers that can do without the list.
    package func models(kind: ImageJobKind = .generation, maxAttempts: Int? = nil,
                       deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("GET", kind.modelsPath, body: nil, needsKey: false, idempotent: true, deadlineMs: deadlineMs,
                       maxAttempts: maxAttempts)
    }

    /// Submits a video job: billing-safe as `submit`, on a connection of its own.
    package func submitVideo(_ body: JSONObject, deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("POST", UpstreamAPI.submitVideo, body: .object(body), needsKey: true, idempotent: false, deadlineMs: deadlineMs)
    }

    /// A video job's status (a VideoTask).
    package func videoStatus(taskId: String, deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("GET", UpstreamAPI.videoTask(taskId), body: nil, needsKey: true, idempotent: true, deadlineMs: deadlineMs)
    }

    /// The video model list; needs no key.
    package func videoModels(maxAttempts: Int? = nil, deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("GET", UpstreamAPI.videoModels, body: nil, needsKey: false, idempotent: true, deadlineMs: deadlineMs,
                       maxAttempts: maxAttempts)
    }

    /// A page of the caller's jobs (`GET /api/ai/logs`), verbatim; needs the key.
    package func jobLogs(_ query: [(String, String)], deadlineMs: Int64? = nil) async throws(CoreError) -> UpstreamReply {
        try await call("GET", UpstreamAPI.jobLogs, body: nil, needsKey: true, idempotent: true, deadlineMs: deadlineMs, query: query)
    }

    /// Throws `noAPIKey` (and says so in the health) when no key is configured: nothing is sent then.
    package func requireKey() throws(CoreError) {
        if (settings.apiKey ?? "").isEmpty {
            health?.report(.noKey)
            throw CoreError(.noAPIKey)
        }
    }

    /// What one attempt came to.
    private enum Attempt {
        case envelope(Envelope)
        /// Final: a redirect (never followed) or no HTTP client at all.
        case fatal(CoreError.Kind)
        /// Worth another attempt (if the rules allow it for this request).
        case retryable(reason: String, httpStatus: Int?, retryAfterMs: Int?, safeForSubmission: Bool)
    }

    func call(_ method: String, _ path: String, body: JSONValue?, needsKey: Bool, idempotent: Bool,
              deadlineMs: Int64? = nil, maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes,
              maxAttempts: Int? = nil, check: (@Sendable (JSONValue) -> String?)? = nil,
              query: [(String, String)] = []) async throws(CoreError) -> UpstreamReply {
        if needsKey { try requireKey() }
        let url = target(path, query: query)
        var answeredRequestId: String?
        // Requests that went out (or tried to): libcurl's own resends of a GET count too.
        var attempts = 0
        let sends = Locked(0)
        var last: (reason: String, httpStatus: Int?, retryAfterMs: Int?, was429: Bool) = ("", nil, nil, false)
        let attemptLimit = min(maxAttempts ?? retry.maxAttempts, retry.maxAttempts)
        let payload = body.map { Data($0.serialized()) }
        while true {
            let sentBefore = sends.current
            let (request, requestId) = attemptRequest(method, url: url, payload: payload, maxResponseBytes: maxResponseBytes, sends: sends)
            logger?.debug("HTTP \(method) \(url.absoluteString) attempt \(attempts + 1)")
            let outcome: Attempt
            do {
                let response = try await transport.send(request)
                answeredRequestId = requestId
                outcome = answered(request, response, check: check)
            } catch {
                outcome = failed(request, error, idempotent: idempotent)
            }
            attempts += max(1, sends.current - sentBefore)
            switch outcome {
            case .envelope(let env):
                return UpstreamReply(data: try finish(env, requestId: answeredRequestId), requestId: answeredRequestId,
                                     message: env.message)
            case .fatal(let kind):
                throw CoreError(kind, upstreamRequestId: answeredRequestId)
            case .retryable(let reason, let status, let retryAfter, let safe):
                last = (reason, status, retryAfter, status == 429)
                logger?.info("attempt \(attempts) of \(method) \(path) failed: \(reason)")
                let allowed = idempotent || safe
                if !allowed || attempts >= attemptLimit {
                    throw exhausted(last, attempts: attempts, maybeSubmitted: !allowed, requestId: answeredRequestId)
                }
                let wait = retry.delayMs(afterAttempt: attempts, retryAfterMs: retryAfter, jitter: context.jitter())
                if let deadlineMs, clock.nowMs + Int64(wait) >= deadlineMs {
                    // The caller's time is up before the next attempt could go out: say so now.
                    throw exhausted(last, attempts: attempts, maybeSubmitted: false, requestId: answeredRequestId)
                }
                do {
                    try await clock.sleep(ms: Int64(wait))
                } catch {
                    throw CoreError(.cancelled(logId: nil), upstreamRequestId: answeredRequestId)
                }
            }
        }
    }

    // The steps around the await are plain calls, never inlined into `call`: what they build then
    // lives on the thread's stack, not in the async frame that every request in flight holds
    // (a thousand jobs polling at once hold a thousand of them).

    @inline(never)
    private func target(_ path: String, query: [(String, String)]) -> URL {
        var url = URL(string: baseText + path) ?? settings.baseURL.appendingPathComponent(String(path.dropFirst()))
        if !query.isEmpty, var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            // Percent-encoded by URLComponents: a value can never add a parameter or end the URL.
            parts.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            url = parts.url ?? url
        }
        return url
    }

    /// One attempt's request, with a request id of its own.
    @inline(never)
    private func attemptRequest(_ method: String, url: URL, payload: Data?, maxResponseBytes: Int, sends: Locked<Int>) -> (HTTPRequest, String) {
        let requestId = context.newRequestId()
        var headers: [(String, String)] = [
            ("Accept", "application/json"),
            ("Accept-Language", settings.locale),
            ("Content-Type", "application/json"),
            ("User-Agent", "aitoearn-rpc/\(ProductVersion.current)"),
            ("X-Request-Id", requestId),
        ]
        if let key = settings.apiKey, !key.isEmpty { headers.append(("X-Api-Key", key)) }
        var request = HTTPRequest(method: method, url: url, headers: headers, body: payload,
                                  timeoutMs: settings.requestTimeoutMs, maxResponseBytes: maxResponseBytes)
        request.onSend = { sends.withLock { $0 += 1 } }
        request.proxyAllowed = url.scheme?.lowercased() == "https"
        return (request, requestId)
    }

    @inline(never)
    private func answered(_ request: HTTPRequest, _ response: HTTPResponse, check: (@Sendable (JSONValue) -> String?)?) -> Attempt {
        record(request, response: response, failure: nil)
        let outcome = Self.interpret(response, url: request.url, sentBytes: request.body?.count ?? 0)
        // A success whose data is not what was asked for is as broken as a body that is not JSON.
        if case .envelope(let env) = outcome, env.code == 0, let problem = check?(env.data) {
            return .retryable(reason: "HTTP \(response.status) with \(problem)", httpStatus: response.status,
                              retryAfterMs: nil, safeForSubmission: false)
        }
        return outcome
    }

    @inline(never)
    private func failed(_ request: HTTPRequest, _ error: TransportFailure, idempotent: Bool) -> Attempt {
        record(request, response: nil, failure: error)
        switch error {
        case .cancelled:
            return .fatal(.cancelled(logId: nil))
        case .unavailable(let r):
            return .fatal(.noHTTPClient(reason: r))
        case .notConnected(let r):
            return .retryable(reason: r, httpStatus: nil, retryAfterMs: nil, safeForSubmission: true)
        case .noResponse(let r):
            return .retryable(reason: r, httpStatus: nil, retryAfterMs: nil, safeForSubmission: false)
        case .replyTooLarge(let limit):
            // The same request would bring the same reply; a submission's came after the service had it.
            return .fatal(.replyTooLarge(limitBytes: limit, maybeSubmitted: !idempotent))
        }
    }

    @inline(never)
    private func exhausted(_ last: (reason: String, httpStatus: Int?, retryAfterMs: Int?, was429: Bool), attempts: Int,
                           maybeSubmitted: Bool, requestId: String?) -> CoreError {
        if last.was429 {
            return CoreError(.rateLimited(retryAfterMs: last.retryAfterMs), upstreamRequestId: requestId)
        }
        health?.report(.unreachable)
        return CoreError(.unreachable(httpStatus: last.httpStatus, attempts: attempts, reason: last.reason,
                                      maybeSubmitted: maybeSubmitted), upstreamRequestId: requestId)
    }

    @inline(never)
    private static func interpret(_ r: HTTPResponse, url: URL, sentBytes: Int) -> Attempt {
        if r.status == 413 {
            // Refused before anything was done with it: nothing was submitted, and the same body would be refused again.
            return .fatal(.requestTooLarge(bodyBytes: sentBytes))
        }
        if (300..<400).contains(r.status) {
            // The key must never leave the configured origin, so API redirects are not followed.
            let target = r.headers["location"].flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
            let place = target.map { u in
                // A Location with no host (file:, data:) is named by its scheme, never its path.
                guard let host = u.host, !host.isEmpty else { return "a \(u.scheme ?? "hostless"): URL" }
                return host + (u.port.map { ":\($0)" } ?? "")
            } ?? "an unnamed location"
            return .fatal(.redirected(httpStatus: r.status, location: place))
        }
        if r.status == 429 {
            return .retryable(reason: "HTTP 429", httpStatus: 429,
                              retryAfterMs: RetryPolicy.parseRetryAfter(r.headers["retry-after"]), safeForSubmission: true)
        }
        if r.status >= 500 {
            return .retryable(reason: "HTTP \(r.status)", httpStatus: r.status, retryAfterMs: nil, safeForSubmission: false)
        }
        guard let env = Envelope(body: r.body) else {
            return .retryable(reason: "HTTP \(r.status) with \(Envelope.problem(body: r.body))", httpStatus: r.status,
                              retryAfterMs: nil, safeForSubmission: false)
        }
        return .envelope(env)
    }

    @inline(never)
    private func finish(_ env: Envelope, requestId: String?) throws(CoreError) -> JSONValue {
        switch env.code {
        case 0:
            // A keyless success (the model list) says nothing about the key that is still missing.
            let keyed = !(settings.apiKey ?? "").isEmpty
            health?.report(settings.simulate ? .simulator : keyed ? .ready : .noKey)
            return env.data
        case UpstreamCode.unauthorized.rawValue:
            health?.report(.keyRejected)
            throw CoreError(.unauthorized(upstreamCode: env.code, upstreamMessage: env.message), upstreamRequestId: requestId)
        default:
            if env.code == UpstreamCode.insufficientCredits.rawValue { health?.report(.noCredits) }
            throw CoreError(.upstream(code: env.code, message: env.message), upstreamRequestId: requestId)
        }
    }

    @inline(never)
    private func record(_ request: HTTPRequest, response: HTTPResponse?, failure: TransportFailure?) {
        guard let trace else { return }
        var req: JSONObject = ["method": .string(request.method), "url": .string(request.url.absoluteString)]
        var headers = JSONObject()
        for (k, v) in request.headers { headers[k] = .string(k.lowercased() == "x-api-key" ? "***" : v) }
        req["headers"] = .object(headers)
        // An edit's inline images make bodies of megabytes: the trace keeps their start, as for replies.
        if let b = request.body { req["body"] = .string(trace.clip(String(decoding: b, as: UTF8.self), toBytes: 65_536)) }
        var event: JSONObject = ["request": .object(req)]
        if let response {
            var h = JSONObject()
            for (k, v) in response.headers.sorted(by: { $0.key < $1.key }) { h[k] = .string(v) }
            event["response"] = .object(["status": .integer(Int64(response.status)), "headers": .object(h),
                                         "body": .string(trace.clip(String(decoding: response.body, as: UTF8.self), toBytes: 65_536))])
        } else {
            event["response"] = .null
            event["error"] = .string(failure?.reason ?? "unknown")
        }
        trace.record(direction: "http", event)
    }
}
