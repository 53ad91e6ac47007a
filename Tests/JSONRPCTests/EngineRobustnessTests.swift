import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONValue
import Testing
@testable import JSONRPC

@Suite("Engine robustness")
struct EngineRobustnessTests {
    @Test("a server released right after it is made does not crash the process",)
    func releasedAtOnce() async {
        // OutputWriter starts its thread with `Thread { [unowned self] in self.run() }`: when the
        // server (and so the writer) is gone before that thread first runs, reading the unowned
        // reference traps. Each round makes a server and drops it at once.
        for _ in 0..<200 {
            _ = RPCServer(input: MemorySource(), output: MemorySink(), options: .init(framing: .ndjson),
                          logger: quietLogger, trace: nil, exit: { _ in })
        }
        // Let the writer threads start (a crash ends the whole test process).
        let done = Flag()
        startThread(name: "test.raise") { done.raise() }
        #expect(await offload { done.wait() })
        await offload { _ = usleep(200_000) }
    }
}
