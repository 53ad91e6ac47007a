/// The simulator's jobs, bounded like a service that forgets old work: finished jobs are kept
/// for an hour, at most the newest 10,000 are kept at all, and their request texts (an edit's may
/// carry 15 MB of inline pictures) take at most 64 MiB together, so a process that runs for days
/// does not grow with every job it ever simulated. Jobs are forgotten oldest first, which lets
/// the texts live in a `FIFOTextStore` and the rest in two arrays' worth of blocks.
struct SimulatorJobTable<Key: Hashable, Job> {
    static var maxJobs: Int { 10_000 }
    static var maxBytes: Int { 64 << 20 }
    static var keepFinishedMs: Int64 { 3_600_000 }

    private struct Entry {
        var job: Job
        var text: FIFOTextStore.Ref
        var endsMs: Int64
    }

    private var jobs: [Key: Entry]
    /// Ids in creation order; `head` skips the evicted ones without shifting the array each time.
    private var order: [Key] = []
    private var head = 0
    private var texts = FIFOTextStore()

    init() {
        // Full size at once: growing it by doubling would leave the smaller tables' blocks behind.
        jobs = Dictionary(minimumCapacity: Self.maxJobs + 1)
    }

    var count: Int { jobs.count }
    var bytes: Int { texts.bytes }

    subscript(id: Key) -> (job: Job, text: [UInt8])? {
        guard let e = jobs[id] else { return nil }
        return (e.job, texts[e.text])
    }

    /// Every job kept, newest first, with its request text (the service's job list).
    func newestFirst() -> [(id: Key, job: Job, text: [UInt8])] {
        order[head...].reversed().compactMap { id in jobs[id].map { (id, $0.job, texts[$0.text]) } }
    }

    /// Adds a job with its request `text` that ends at `endsMs`, then forgets what is too old or
    /// too many, and returns what it forgot (so whatever else the jobs left behind can go too).
    /// The newest job is always kept.
    @discardableResult
    mutating func insert(_ job: Job, id: Key, text: [UInt8] = [], endsMs: Int64, nowMs: Int64) -> [(id: Key, job: Job)] {
        if let old = jobs[id] { texts.release(old.text) }
        jobs[id] = Entry(job: job, text: texts.append(text), endsMs: endsMs)
        order.append(id)
        var evicted: [(id: Key, job: Job)] = []
        while head < order.count - 1 {
            let oldest = order[head]
            guard let entry = jobs[oldest] else { head += 1; continue }
            guard jobs.count > Self.maxJobs || texts.bytes > Self.maxBytes || entry.endsMs + Self.keepFinishedMs < nowMs else { break }
            jobs[oldest] = nil
            texts.release(entry.text)
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
