/// The simulator's jobs, bounded like a service that forgets old work: finished jobs are kept
/// for an hour and at most the newest 10,000 are kept at all, so a process that runs for days
/// does not grow with every job it ever simulated.
struct SimulatorJobTable<Job> {
    static var maxJobs: Int { 10_000 }
    static var keepFinishedMs: Int64 { 3_600_000 }

    private var jobs: [String: (job: Job, endsMs: Int64)] = [:]
    /// Ids in creation order; `head` skips the evicted ones without shifting the array each time.
    private var order: [String] = []
    private var head = 0

    var count: Int { jobs.count }

    subscript(id: String) -> Job? { jobs[id]?.job }

    /// Adds a job that ends at `endsMs`, then forgets what is too old or too many.
    mutating func insert(_ job: Job, id: String, endsMs: Int64, nowMs: Int64) {
        jobs[id] = (job, endsMs)
        order.append(id)
        while head < order.count {
            let oldest = order[head]
            guard let entry = jobs[oldest] else { head += 1; continue }
            guard jobs.count > Self.maxJobs || entry.endsMs + Self.keepFinishedMs < nowMs else { break }
            jobs[oldest] = nil
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
