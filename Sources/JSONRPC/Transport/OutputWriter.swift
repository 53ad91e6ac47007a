import Diagnostics
import Foundation

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
    }

    private let sink: any ByteSink
    /// Past this many queued bytes, input waits.
    let budget: Int
    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()

    init(sink: any ByteSink, budget: Int) {
        self.sink = sink
        self.budget = budget
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "aitoearn-rpc.writer"
        thread.start()
    }

    /// Queues a frame; with `replacing`, a queued frame with the same key is replaced in place.
    func enqueue(_ bytes: [UInt8], replacing key: String? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !state.broken else { return }
        if let key, let i = state.queue.lastIndex(where: { $0.key == key }) {
            state.queuedBytes += bytes.count - state.queue[i].bytes.count
            state.queue[i].bytes = bytes
        } else {
            state.queue.append(Frame(bytes: bytes, key: key))
            state.queuedBytes += bytes.count
        }
        condition.broadcast()
    }

    /// Waits up to `timeout` for the queue to fall within the budget; true when it is (or output is gone).
    func hasRoom(waiting timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while state.queuedBytes > budget && !state.broken {
            if !condition.wait(until: deadline) { break }
        }
        return state.queuedBytes <= budget || state.broken
    }

    /// Waits until everything queued so far is written, the reader is gone, or `deadline` passes:
    /// a client that never reads must not keep the process alive.
    func flush(until deadline: Date) {
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
            while state.queue.isEmpty { condition.wait() }
            let frames = state.queue
            state.queue.removeAll(keepingCapacity: true)
            state.writing = true
            condition.unlock()

            buffer.removeAll(keepingCapacity: true)
            for f in frames { buffer.append(contentsOf: f.bytes) }
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
            condition.broadcast()
            condition.unlock()
        }
    }
}
