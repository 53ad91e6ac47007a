import Diagnostics

/// The credits this process has committed, against an optional limit, shared by every face and
/// every concurrent request: a submission reserves its price before it is sent, so no two
/// requests can both pass a limit that only one of them fits. A job that ends failed gives its
/// credits back (the service refunds failed jobs); so does a submission that surely did not
/// reach the service.
package final class CreditLedger: Sendable {
    private struct State {
        var limit: Double?
        var committed: Double = 0
        var jobs = 0
        var next: UInt64 = 0
        var open: [UInt64: Double] = [:]
        /// Open reservations by the id of the job they paid for, so that whoever learns the job's
        /// end (its own request, or a later status call) settles or releases it.
        var byJob: [String: Reservation] = [:]
    }

    private let state: Locked<State>

    package init(limit: Double?) { state = Locked(State(limit: limit)) }

    /// The most credits the process may commit; nil for no limit.
    package var limit: Double? { state.current.limit }

    /// A session's `initializationOptions.maxCredits` replaces the launch's limit; what is
    /// committed stays committed (the process's jobs are the same jobs).
    package func setLimit(_ limit: Double?) { state.withLock { $0.limit = limit } }

    /// A held reservation: give it back with `release`, or keep it (the job was billed).
    package struct Reservation: Sendable, Equatable {
        let serial: UInt64
        package let credits: Double
    }

    /// Why a submission may not go out: what it would cost (nil: unknown), what is committed,
    /// and the limit.
    package struct Refusal: Error, Sendable, Equatable {
        package let credits: Double?
        package let committed: Double
        package let limit: Double
    }

    /// Reserves `price`. Without a limit every price fits (an unknown one counts as 0); under a
    /// limit an unknown price, or one that would take the committed credits past it, is refused.
    package func reserve(_ price: Price) -> Result<Reservation, Refusal> {
        state.withLock { s in
            let limit = s.limit
            let credits: Double
            switch price {
            case .credits(let c): credits = c
            case .unknown:
                if let limit { return .failure(Refusal(credits: nil, committed: s.committed, limit: limit)) }
                credits = 0
            }
            if let limit, s.committed + credits > limit {
                return .failure(Refusal(credits: credits, committed: s.committed, limit: limit))
            }
            s.next += 1
            s.committed += credits
            s.jobs += 1
            s.open[s.next] = credits
            return .success(Reservation(serial: s.next, credits: credits))
        }
    }

    /// Gives a reservation back: its job failed (refunded) or never reached the service. Once only.
    package func release(_ r: Reservation) {
        state.withLock { s in
            guard let credits = s.open.removeValue(forKey: r.serial) else { return }
            s.committed -= credits
            s.jobs -= 1
        }
    }

    /// The job ended billed: its reservation stays committed, at what the service says it cost
    /// when it says so (`points`).
    package func settle(_ r: Reservation, points: Double?) {
        state.withLock { s in
            guard let credits = s.open.removeValue(forKey: r.serial) else { return }
            if let points { s.committed += points - credits }
        }
    }

    /// Binds an open reservation to the id of the job it paid for.
    package func attach(_ r: Reservation, toJob id: String) {
        state.withLock { s in
            if s.open[r.serial] != nil { s.byJob[id.lowercased()] = r }
        }
    }

    /// The job `id` ended: failed (refunded, so its credits come back) or billed at `points`
    /// when the service says. A job this process did not reserve for, or settled already, is left alone.
    package func jobEnded(_ id: String, failed: Bool, points: Double?) {
        guard let r = state.withLock({ $0.byJob.removeValue(forKey: id.lowercased()) }) else { return }
        if failed { release(r) } else { settle(r, points: points) }
    }

    /// `{ committed, limit, remaining, jobs }` as numbers; `limit` and `remaining` nil without a limit.
    package var usage: (committed: Double, limit: Double?, remaining: Double?, jobs: Int) {
        let s = state.current
        return (s.committed, s.limit, s.limit.map { max(0, $0 - s.committed) }, s.jobs)
    }

    /// Less than a tenth of the limit is left.
    package var isRunningLow: Bool {
        let u = usage
        guard let limit = u.limit, let remaining = u.remaining else { return false }
        return remaining < limit / 10
    }
}
