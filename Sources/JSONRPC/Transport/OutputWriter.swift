import Diagnostics

/// The single owner of the protocol's output: whole frames in, written in order by one thread.
///
/// Frames queued while a write is in progress are coalesced into the next write, which keeps
/// throughput high under load; a frame is never split. The queue is bounded by a budget the reader
/// honours (`hasRoom`), and a frame may carry a key that lets a newer frame replace an older one
/// not yet written (progress for the same request: only the latest matters).
final class OutputWriter: Sendable {
    private struct Frame {
        var bytes: [UInt8]
        var key: String?
    }

    /// Everything below is guarded by `condition`.
    private struct State {
        var queue: [Frame] = []
        var queuedBytes = 0
        var writing = false
        var broken = false
        /// Answers waiting for room, first come first served; one at a time holds the turn.
        var waiters: [(id: UInt64, resume: CheckedContinuation<Bool, Never>)] = []
        var turnHeld = false
        /// The writer is waiting for frames.
        var writerIdle = false
        var nextWaiter: UInt64 = 0
        /// Input being handled now may make many frames at once (see `coalescing`).
        var coalescing = 0
        /// `stop` was called: the thread ends at its next turn and nothing more is written.
        var stopping = false
        /// The thread has ended.
        var ended = false
    }

    private let sink: any ByteSink
    /// Past this many queued bytes, input waits.
    let budget: Int
    private let condition = Condition()
    private nonisolated(unsafe) var state = State()

    init(sink: any ByteSink, budget: Int) {
        self.sink = sink
        self.budget = budget
        // The thread keeps the writer alive: it serves the process to its end, or until `stop`.
        startThread(name: "aitoearn-rpc.writer") { self.run() }
    }

    /// Queues a frame; with `replacing`, a queued frame with the same key is replaced in place.
    func enqueue(_ bytes: [UInt8], replacing key: String? = nil) {
        condition.lock()
        guard !state.broken else { return condition.unlock() }
        // Nothing queued or being written, and the sink takes these bytes without blocking: the
        // caller writes them itself, in turn as the writer would, and the writer thread is not
        // woken (two context switches and two futex calls a frame, a third of a status round
        // trip's system time). A frame that might block is the writer thread's, as always.
        if state.queue.isEmpty && !state.writing && state.coalescing == 0 && sink.canWriteAtOnce(bytes.count) {
            state.writing = true
            state.queuedBytes += bytes.count
            condition.unlock()
            let ok = bytes.withUnsafeBytes { sink.write($0) }
            condition.lock()
            let grant = finishWrite(bytes.count, ok: ok)
            condition.unlock()
            grant?.resume(returning: true)
            return
        }
        defer { condition.unlock() }
        // Replaced in place only while nothing unkeyed (a response) was queued after it: a
        // notification never moves ahead of what was written after it.
        if let key, let i = state.queue.lastIndex(where: { $0.key == key }),
           state.queue[(i + 1)...].allSatisfy({ $0.key != nil }) {
            state.queuedBytes += bytes.count - state.queue[i].bytes.count
            state.queue[i].bytes = bytes
        } else {
            state.queue.append(Frame(bytes: bytes, key: key))
            state.queuedBytes += bytes.count
        }
        // Only the writer waits for frames, and only when it is idle; a busy writer takes what
        // queued meanwhile in its next write, so most frames wake nobody.
        if state.writerIdle { condition.broadcast() }
    }

    /// Runs `body` with every frame going through the writer thread: a chunk of input holding
    /// thousands of requests makes thousands of replies, and written one by one by their makers
    /// they cost a system call each (twice the CPU of a pipelined request) where the writer
    /// thread writes what has queued in one.
    func coalescing<R>(_ body: () -> R) -> R {
        condition.withLock { state.coalescing += 1 }
        defer { condition.withLock { state.coalescing -= 1 } }
        return body()
    }

    /// Answers that may wait for room before input waits too (each holds a suspended task).
    static let maxWaitingAnswers = 256

    /// Waits up to `timeout` for the queue to fall within the budget (and the answers waiting
    /// for room to be few); true when it has (or output is gone).
    func hasRoom(waiting timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if roomForInput || state.broken { return true }
        let deadline = Deadline.after(seconds: timeout)
        while !roomForInput && !state.broken {
            if !condition.wait(until: deadline) { break }
        }
        return roomForInput || state.broken
    }

    /// Under the lock.
    private var roomForInput: Bool { state.queuedBytes <= budget && state.waiters.count < Self.maxWaitingAnswers }

    /// Runs `body` (which queues an answer) once there is room in the budget. While output is
    /// backed up, answers wait here without holding a thread, and go out one at a time as room
    /// appears, so thousands of finished requests cannot pile their answers up in memory.
    func whenRoom(_ body: () -> Void) async {
        let held = await takeTurn()
        body()
        if held { passTurn() }
    }

    /// Returns at once while there is room and nobody waits; else waits its turn (true) or is
    /// let go by cancellation (false: it then holds no turn).
    private func takeTurn() async -> Bool {
        guard let id = waiterIdIfCongested() else { return false }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                condition.lock()
                state.waiters.append((id, c))
                let grant = grantIfRoom()
                condition.unlock()
                grant?.resume(returning: true)
            }
        } onCancel: {
            condition.lock()
            let i = state.waiters.firstIndex { $0.id == id }
            let c = i.map { state.waiters.remove(at: $0).resume }
            condition.broadcast()
            condition.unlock()
            c?.resume(returning: false)
        }
    }

    /// Nil while there is room and nobody waits; else an id for a new waiter.
    private func waiterIdIfCongested() -> UInt64? {
        condition.lock()
        defer { condition.unlock() }
        if state.waiters.isEmpty && !state.turnHeld && (state.queuedBytes <= budget || state.broken) { return nil }
        state.nextWaiter += 1
        return state.nextWaiter
    }

    private func passTurn() {
        condition.lock()
        state.turnHeld = false
        let grant = grantIfRoom()
        condition.broadcast()
        condition.unlock()
        grant?.resume(returning: true)
    }

    /// Under the lock: the next waiter, given the turn, when there is room for it.
    private func grantIfRoom() -> CheckedContinuation<Bool, Never>? {
        guard !state.turnHeld, !state.waiters.isEmpty, state.queuedBytes <= budget || state.broken else { return nil }
        state.turnHeld = true
        return state.waiters.removeFirst().resume
    }

    /// Waits until everything queued so far is written, the reader is gone, or `deadline` passes:
    /// a client that never reads must not keep the process alive.
    func flush(until deadline: Deadline) {
        condition.lock()
        defer { condition.unlock() }
        while (!state.queue.isEmpty || state.writing) && !state.broken {
            if !condition.wait(until: deadline) { return }
        }
    }

    /// Ends the writer thread (an engine that is closed, not the process): what is queued and not
    /// yet written is dropped, and so is everything queued afterwards; answers waiting for room
    /// go on. Returns once the thread has ended, or false after `timeout` when a write is blocked
    /// on a client that does not read (the thread then ends as soon as that write returns).
    @discardableResult
    func stop(waiting timeout: Double = 5) -> Bool {
        condition.lock()
        state.stopping = true
        state.broken = true
        let grant = grantIfRoom()
        condition.broadcast()
        condition.unlock()
        grant?.resume(returning: true)
        let deadline = Deadline.after(seconds: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !state.ended {
            if !condition.wait(until: deadline) { return state.ended }
        }
        return true
    }

    private func run() {
        var buffer: [UInt8] = []
        while true {
            condition.lock()
            state.writerIdle = true
            // An enqueuer may be writing its own frame: what queued meanwhile goes after it.
            while (state.queue.isEmpty || state.writing) && !state.stopping { condition.wait() }
            if state.stopping {
                state.ended = true
                condition.broadcast()
                condition.unlock()
                return
            }
            state.writerIdle = false
            var frames = state.queue
            state.queue.removeAll(keepingCapacity: true)
            state.writing = true
            condition.unlock()

            buffer.removeAll(keepingCapacity: true)
            for f in frames { buffer.append(contentsOf: f.bytes) }
            frames.removeAll()  // held once, in `buffer`, while the write may block
            let ok = buffer.withUnsafeBytes { sink.write($0) }

            condition.lock()
            let grant = finishWrite(buffer.count, ok: ok)
            condition.unlock()
            grant?.resume(returning: true)
        }
    }

    /// Under the lock, after a write of `count` bytes by the writer thread or an enqueuer; returns
    /// the answer to resume (after unlocking) now that there is room.
    private func finishWrite(_ count: Int, ok: Bool) -> CheckedContinuation<Bool, Never>? {
        state.writing = false
        state.queuedBytes -= count
        if !ok {
            // The client closed its end: nothing more can be delivered.
            state.broken = true
            state.queue.removeAll()
            state.queuedBytes = 0
        }
        let grant = grantIfRoom()
        // Wakes flushes, input waiting for room, and the writer for frames queued meanwhile.
        condition.broadcast()
        return grant
    }
}
