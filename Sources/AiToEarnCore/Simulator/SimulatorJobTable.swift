/// The simulator's jobs, bounded like a service that forgets old work: finished jobs are kept
/// for an hour, at most the newest 10,000 are kept at all, and their kept requests (an edit's may
/// carry 15 MB of inline pictures) take at most 64 MiB together, so a process that runs for days
/// does not grow with every job it ever simulated.
struct SimulatorJobTable<Job> {
    static var maxJobs: Int { 10_000 }
    static var maxBytes: Int { 64 << 20 }
    static var keepFinishedMs: Int64 { 3_600_000 }

    private var jobs: [String: (job: Job, bytes: Int, endsMs: Int64)] = [:]
    /// Ids in creation order; `head` skips the evicted ones without shifting the array each time.
    private var order: [String] = []
    private var head = 0
    private(set) var bytes = 0

    var count: Int { jobs.count }

    subscript(id: String) -> Job? { jobs[id]?.job }

    /// Adds a job of `bytes` that ends at `endsMs`, then forgets what is too old or too many,
    /// and returns what it forgot (so whatever else the jobs left behind can go too). The newest
    /// job is always kept.
    @discardableResult
    mutating func insert(_ job: Job, id: String, bytes size: Int = 0, endsMs: Int64, nowMs: Int64) -> [(id: String, job: Job)] {
        jobs[id] = (job, size, endsMs)
        bytes += size
        order.append(id)
        var evicted: [(id: String, job: Job)] = []
        while head < order.count - 1 {
            let oldest = order[head]
            guard let entry = jobs[oldest] else { head += 1; continue }
            guard jobs.count > Self.maxJobs || bytes > Self.maxBytes || entry.endsMs + Self.keepFinishedMs < nowMs else { break }
            jobs[oldest] = nil
            bytes -= entry.bytes
            evicted.append((oldest, entry.job))
            head += 1
        }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return evicted
    }
}
