import Diagnostics
import JSONRPC

/// Bytes in for an engine that runs in memory (tests): feed them, then close.
package final class MemorySource: ByteSource {
    /// Guarded by `condition`: pending bytes and whether the writing side closed.
    private struct State { var bytes: [UInt8] = []; var closed = false }
    private let condition = Condition()
    private nonisolated(unsafe) var state = State()

    package init() {}

    package func feed(_ bytes: [UInt8]) {
        condition.lock()
        state.bytes += bytes
        condition.broadcast()
        condition.unlock()
    }

    package func feed(_ text: String) { feed(Array(text.utf8)) }

    /// End of input.
    package func close() {
        condition.lock()
        state.closed = true
        condition.broadcast()
        condition.unlock()
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while state.bytes.isEmpty && !state.closed { condition.wait() }
        if state.bytes.isEmpty { return 0 }
        let n = min(buffer.count, state.bytes.count)
        state.bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        state.bytes.removeFirst(n)
        return n
    }

    package func hasHungUp() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return state.closed
    }
}

/// Bytes out of an engine that runs in memory: everything written, and a switch that makes the
/// reading side stop reading (writes then block, as on a full pipe).
package final class MemorySink: ByteSink {
    /// Guarded by `condition`.
    private struct State { var bytes: [UInt8] = []; var stalled = false; var gone = false }
    private let condition = Condition()
    private nonisolated(unsafe) var state = State()

    package init() {}

    /// While stalled, writes block: a client that never reads.
    package func stall(_ on: Bool) {
        condition.lock()
        state.stalled = on
        condition.broadcast()
        condition.unlock()
    }

    /// The reading side went away: writes fail from now on.
    package func hangUp() {
        condition.lock()
        state.gone = true
        condition.broadcast()
        condition.unlock()
    }

    package var written: [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        return state.bytes
    }

    package func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while state.stalled && !state.gone { condition.wait() }
        if state.gone { return false }
        state.bytes += bytes
        condition.broadcast()
        return true
    }

    /// Waits until `predicate` holds for what was written, or `timeout` passes; returns whether it held.
    package func wait(timeout: Double = 5, until predicate: ([UInt8]) -> Bool) -> Bool {
        let deadline = Deadline.after(seconds: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state.bytes) {
            if !condition.wait(until: deadline) { return predicate(state.bytes) }
        }
        return true
    }
}
