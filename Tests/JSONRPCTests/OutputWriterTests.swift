import Diagnostics
import Testing
@testable import JSONRPC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A sink that records what it is given and by which thread, and can hold a write until let go.
private final class RecordingSink: ByteSink, @unchecked Sendable {
    private let condition = Condition()
    private var writes: [(text: String, thread: pthread_t)] = []
    private var holding = false
    private var held = false
    let ready: Bool

    init(ready: Bool, holdFirstWrite: Bool = false) {
        self.ready = ready
        holding = holdFirstWrite
    }

    func canWriteAtOnce(_ count: Int) -> Bool { ready }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if holding {
            held = true
            condition.broadcast()
            while holding { condition.wait() }
        }
        writes.append((String(decoding: bytes, as: UTF8.self), pthread_self()))
        condition.broadcast()
        return true
    }

    /// Waits until a write is being held.
    func waitUntilHeld() {
        condition.lock()
        defer { condition.unlock() }
        while !held { condition.wait() }
    }

    func release() {
        condition.lock()
        holding = false
        condition.broadcast()
        condition.unlock()
    }

    var texts: [String] {
        condition.lock()
        defer { condition.unlock() }
        return writes.map(\.text)
    }

    var threads: [pthread_t] {
        condition.lock()
        defer { condition.unlock() }
        return writes.map(\.thread)
    }
}

@Suite("Output writer")
struct OutputWriterTests {
    @Test("a frame the sink takes at once is written by the caller, before enqueue returns")
    func inlineWhenReady() {
        let sink = RecordingSink(ready: true)
        let writer = OutputWriter(sink: sink, budget: 1 << 20)
        defer { writer.stop() }
        writer.enqueue(Array("one\n".utf8))
        writer.enqueue(Array("two\n".utf8))
        #expect(sink.texts == ["one\n", "two\n"])
        #expect(sink.threads.allSatisfy { pthread_equal($0, pthread_self()) != 0 })
    }

    @Test("a sink that might block is written by the writer thread")
    func writerThreadOtherwise() {
        let sink = RecordingSink(ready: false)
        let writer = OutputWriter(sink: sink, budget: 1 << 20)
        defer { writer.stop() }
        writer.enqueue(Array("one\n".utf8))
        writer.flush(until: .after(seconds: 5))
        #expect(sink.texts == ["one\n"])
        #expect(sink.threads.allSatisfy { pthread_equal($0, pthread_self()) == 0 })
    }

    @Test("a frame queued while a caller writes its own goes out after it, never beside it")
    func orderKeptBehindAnInlineWrite() {
        let sink = RecordingSink(ready: true, holdFirstWrite: true)
        let writer = OutputWriter(sink: sink, budget: 1 << 20)
        defer { writer.stop() }
        startThread(name: "test.enqueuer") { writer.enqueue(Array("first\n".utf8)) }
        sink.waitUntilHeld()
        // The first write is in progress: this one must queue, and the writer thread must wait.
        writer.enqueue(Array("second\n".utf8))
        #expect(sink.texts.isEmpty)
        sink.release()
        // A flush waits for the caller's write as for the writer's.
        writer.flush(until: .after(seconds: 5))
        #expect(sink.texts == ["first\n", "second\n"])
    }
}
