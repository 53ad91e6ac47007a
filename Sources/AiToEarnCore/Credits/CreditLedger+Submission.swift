import JSONValue

extension CreditLedger {
    /// Whether a submission must be priced: a dry run, a limit, or a caller that reports prices.
    /// Otherwise the price is read only from a model list already at hand (no request is made for it).
    package func mustPrice(_ run: CreditRun) -> Bool { run.dryRun || run.wantsQuote || limit != nil }

    /// Reserves `price`, runs `submit`, and gives the credits back when the submission surely
    /// did not reach the service (it refused it, or the connection never opened). A submission
    /// that may have been taken stays committed; once the service names the job (`idField` of
    /// its answer) the reservation is bound to that id, for whoever learns how the job ended.
    package func charging(_ price: Price, idField: String, submit: () async throws(CoreError) -> UpstreamReply)
        async throws(CoreError) -> UpstreamReply {
        let reservation: Reservation
        switch reserve(price) {
        case .success(let r): reservation = r
        case .failure(let refusal):
            throw CoreError(.overLimit(credits: refusal.credits, committed: refusal.committed, limit: refusal.limit,
                                       reason: { if case .unknown(let why) = price { return why } else { return nil } }()))
        }
        let reply: UpstreamReply
        do {
            reply = try await submit()
        } catch {
            if error.surelyNotSubmitted { release(reservation) }
            throw error
        }
        if let id = reply.data[idField]?.stringValue, LogID.isValid(id) { attach(reservation, toJob: id) }
        return reply
    }

    /// A job's status was read: a terminal one settles or releases what was reserved for it.
    /// `points` is what the service says it charged (image jobs; absent on some deployments).
    package func observe(status task: JSONValue, id: String, video: Bool) {
        let s = task["status"]?.stringValue ?? ""
        let outcome = video ? VideoJobs.Outcome(status: s) : s == "success" ? .succeeded : s == "failed" ? .failed : .running
        guard outcome != .running else { return }
        jobEnded(id, failed: outcome == .failed, points: video ? nil : task["points"].flatMap(Pricing.number))
    }
}

extension CoreError {
    /// The service cannot have taken a submission that ended so: it refused it with a business
    /// code, or nothing reached it. Only then are the reserved credits given back.
    package var surelyNotSubmitted: Bool {
        switch kind {
        case .invalidParams, .noAPIKey, .unauthorized, .upstream, .rateLimited, .noHTTPClient, .redirected, .requestTooLarge,
             .overLimit, .needsConfirmation:
            return true
        case .unreachable(_, _, _, let maybeSubmitted): return !maybeSubmitted
        case .replyTooLarge(_, let maybeSubmitted): return !maybeSubmitted
        case .badLogId, .jobFailed, .timedOut, .saveFailed, .cancelled: return false
        }
    }
}
