/// Work bounded by a deadline on a `CoreClock`: when the deadline comes first the work is
/// cancelled (a transfer in flight stops on the wire) and the caller learns it at once, instead of
/// waiting for an HTTP timeout that may be far later than the job's own.
extension CoreClock {
    /// `body`'s value, or nil when `deadlineMs` passed first (`body` is then cancelled). A cancel
    /// of the calling task reaches `body`, which answers it as it always does. `bodyLimitMs` is
    /// the longest `body` can take by its own timeouts: a deadline further off than that is not raced.
    func beforeDeadline<T: Sendable>(_ deadlineMs: Int64, bodyLimitMs: Int64,
                                     _ body: @escaping @Sendable () async throws(CoreError) -> T) async throws(CoreError) -> T? {
        let remaining = deadlineMs - nowMs
        if remaining <= 0 { return nil }
        if remaining > bodyLimitMs { return try await body() }
        let first: Result<T, CoreError>? = await withTaskGroup(of: DeadlineRace<T>.self) { group in
            group.addTask {
                do throws(CoreError) { return .done(.success(try await body())) } catch { return .done(.failure(error)) }
            }
            group.addTask {
                do { try await self.sleep(ms: remaining) } catch { return .sleepCancelled }
                return .deadline
            }
            while let next = await group.next() {
                switch next {
                case .done(let r):
                    group.cancelAll()
                    return r
                case .deadline:
                    group.cancelAll()
                    // The body's own answer to the cancel is not wanted: the deadline is the answer.
                    return nil
                case .sleepCancelled:
                    continue
                }
            }
            return nil
        }
        return try first?.get()
    }
}

/// Which side of a `beforeDeadline` race ended first.
private enum DeadlineRace<T: Sendable>: Sendable {
    case done(Result<T, CoreError>)
    case deadline
    /// The sleep was cancelled: the body, cancelled with it, has the answer.
    case sleepCancelled
}
