/// How one call runs its job, handed to `ImageJobs` and `VideoJobs` whole: how to follow it,
/// where to save what it makes, when the request arrived (its deadline counts from then), the
/// caller's idempotency key (submissions only), and where its events go.
package struct JobRun: Sendable {
    package var poll: PollOptions
    package var saveTo: String?
    package var startMs: Int64
    package var idempotencyKey: String?
    package var events: @Sendable (JobEvent) -> Void
    /// Dry run, quotes and confirmation (submissions only).
    package var credits = CreditRun()

    package init(poll: PollOptions, saveTo: String? = nil, startMs: Int64, idempotencyKey: String? = nil,
                events: @escaping @Sendable (JobEvent) -> Void) {
        self.poll = poll
        self.saveTo = saveTo
        self.startMs = startMs
        self.idempotencyKey = idempotencyKey
        self.events = events
    }
}
