import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONValue
import Testing
@testable import JSONRPC
import JSONRPCTestSupport

/// A `MemorySink` that raises `released` when it is freed. The writer, and the writer thread while
/// it runs, are all that hold it: once the test has let go of the server, `released` rises only
/// when the thread has ended and nothing else (a reader thread, a parent watcher's timer) keeps
/// the server, and so the writer, alive.
private final class ReleaseSignallingSink: ByteSink, @unchecked Sendable {
    let inner: MemorySink
    let released: Flag

    init(_ inner: MemorySink, released: Flag) {
        self.inner = inner
        self.released = released
    }

    deinit { released.raise() }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool { inner.write(bytes) }
}

@Suite("Engine robustness")
struct EngineRobustnessTests {
    @Test("closing a server ends its writer thread at once, however soon after it was made")
    func closeEndsTheWriter() async {
        // 200 rounds: a writer thread that has not run yet when the server closes must end too.
        let failed = await offload { () -> String? in
            for round in 0..<200 {
                let released = Flag()
                var server: RPCServer? = RPCServer(input: MemorySource(),
                                                   output: ReleaseSignallingSink(MemorySink(), released: released),
                                                   options: .init(framing: .ndjson), logger: quietLogger, trace: nil,
                                                   exit: { _ in })
                guard server!.close() else { return "round \(round): close says the writer thread did not end" }
                server = nil
                guard released.wait(timeout: 5) else { return "round \(round): the writer thread still holds its sink" }
            }
            return nil
        }
        if let failed { Issue.record("\(failed)") }
    }

    @Test("a writer blocked on a client that does not read ends once the write returns; nothing is written after close")
    func closeWhileStalled() async {
        let e = Engine().running()
        e.output.stall(true)
        e.send(rpc(1, "echo"))
        #expect(await e.probeSink.waitForWrites(1))
        let server = e.server
        // The reply's write is blocked: the thread cannot end yet.
        #expect(await offload { !server.close(waiting: 0.2) })
        e.output.stall(false)
        #expect(await offload { server.close(waiting: 5) })
        let written = e.output.written
        #expect(Wire.messages(written).response(to: 1) != nil)
        // A message sent after close is dropped: a flush has nothing to wait for, and nothing more
        // is written (were the writer still running, it would be written by the flush's end).
        server.send(["jsonrpc": "2.0", "method": "late"])
        await offload { server.writer.flush(until: Deadline.after(seconds: 5)) }
        #expect(e.output.written == written)
        #expect(e.exits.all.isEmpty)
    }

    @Test("a closed server that watched its parent is freed once let go: the watcher, whose timer holds it, is gone")
    func closeStopsTheParentWatcher() async {
        let released = Flag()
        let input = MemorySource()
        let output = MemorySink()
        let exits = ExitRecorder()
        do {
            let server = RPCServer(input: input, output: ReleaseSignallingSink(output, released: released),
                                   options: .init(framing: .ndjson), logger: quietLogger, trace: nil,
                                   exit: { status in exits.record(status, written: []) })
            server.start()
            // Our own pid: the parent is alive, so the watcher keeps checking until stopped.
            input.feed(rpc(1, "initialize", ["processId": .integer(Int64(getpid()))]) + "\n")
            #expect(await offload { output.wait { Wire.messages($0).response(to: 1) != nil } })
            #expect(server.parentWatcher.current != nil)
            #expect(await offload { server.close() })
            #expect(server.parentWatcher.current == nil)
        }
        // The reader thread, which holds the server too, ends with its input.
        input.close()
        #expect(await offload { released.wait(timeout: 5) })
        #expect(exits.all.isEmpty)
    }
}
