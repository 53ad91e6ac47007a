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
    }

    private let sink: any ByteSink
    /// Past this many queued bytes, input waits.
    let budget: Int
    private let condition = Condition()
    private nonisolated(unsafe) var state = State()

    init(sink: any ByteSink, budget: Int) {
        self.sink = sink
        self.budget = budget
        // The thread keeps the writer alive: it serves the process to its end.
        startThread(name: "aitoearn-rpc.writer") { self.run() }
    }

    /// Queues a frame; with `replacing`, a queued frame with the same key is replaced in place.
    func enqueue(_ bytes: [UInt8], replacing key: String? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !state.broken else { return }
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

    /// Bytes queued or being written.
    var queuedBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.queuedBytes
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

    private func run() {
        var buffer: [UInt8] = []
        while true {
            condition.lock()
            state.writerIdle = true
            while state.queue.isEmpty { condition.wait() }
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
            state.writing = false
            state.queuedBytes -= buffer.count
            if !ok {
                // The client closed its end: nothing more can be delivered.
                state.broken = true
                state.queue.removeAll()
                state.queuedBytes = 0
            }
            let grant = grantIfRoom()
            condition.broadcast()
            condition.unlock()
            grant?.resume(returning: true)
        }
    }
}
