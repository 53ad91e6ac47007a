import Diagnostics
import JSONRPC

// MARK: - Streams that let a test see what the engine's threads are doing

/// A `MemorySource` that counts reads and watches the reader's checks for a hang-up, which it
/// makes while it waits for room in the output budget (and, depending on the engine's design,
/// before each message): with `observe` counting the messages handled, three checks in a row
/// with no message handled between them mean the reader is waiting, not reading.
package final class ProbeSource: ByteSource, @unchecked Sendable {
    package let inner: MemorySource
    private let condition = Condition()
    private var reads = 0
    private var readings: [Int] = []
    private var observe: (@Sendable () -> Int)?

    package init(_ inner: MemorySource) { self.inner = inner }

    package func setObserver(_ o: @escaping @Sendable () -> Int) {
        condition.lock()
        observe = o
        condition.unlock()
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = inner.read(into: buffer)
        condition.lock()
        if n > 0 { reads += 1 }
        condition.broadcast()
        condition.unlock()
        return n
    }

    package func hasHungUp() -> Bool {
        condition.lock()
        if let observe { readings.append(observe()) }
        if readings.count > 3 { readings.removeFirst(readings.count - 3) }
        condition.broadcast()
        condition.unlock()
        return inner.hasHungUp()
    }

    package var readCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return reads
    }

    /// Waits until `reads` reads have returned bytes.
    package func waitForReads(_ count: Int, timeout: Double = 5) async -> Bool {
        await offload { [self] in condition.wait(timeout: timeout) { reads >= count } }
    }

    /// Waits until the reader has checked for a hang-up three times in a row without handling a
    /// message: it is waiting for output room.
    package func waitUntilPaused(timeout: Double = 5) async -> Bool {
        await offload { [self] in
            condition.wait(timeout: timeout) { readings.count == 3 && readings.allSatisfy { $0 == readings[0] } }
        }
    }
}

/// A `MemorySink` that counts the writes the writer thread has begun (a stalled one blocks inside).
package final class ProbeSink: ByteSink, @unchecked Sendable {
    package let inner: MemorySink
    private let condition = Condition()
    private var started = 0

    package init(_ inner: MemorySink) { self.inner = inner }

    package func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        condition.lock()
        started += 1
        condition.broadcast()
        condition.unlock()
        return inner.write(bytes)
    }

    package func waitForWrites(_ count: Int, timeout: Double = 5) async -> Bool {
        await offload { [self] in condition.wait(timeout: timeout) { started >= count } }
    }
}
