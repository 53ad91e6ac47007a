/// How one call runs its job, handed to `ImageJobs` and `VideoJobs` whole: how to follow it,
/// where to save what it makes, when the request arrived (its deadline counts from then), the
/// caller's idempotency key (submissions only), and where its events go.
public struct JobRun: Sendable {
    public var poll: PollOptions
    public var saveTo: String?
    public var startMs: Int64
    public var idempotencyKey: String?
    public var events: @Sendable (JobEvent) -> Void
    /// Dry run, quotes and confirmation (submissions only).
    public var credits = CreditRun()

    public init(poll: PollOptions, saveTo: String? = nil, startMs: Int64, idempotencyKey: String? = nil,
                events: @escaping @Sendable (JobEvent) -> Void) {
        self.poll = poll
        self.saveTo = saveTo
        self.startMs = startMs
        self.idempotencyKey = idempotencyKey
        self.events = events
    }
}
