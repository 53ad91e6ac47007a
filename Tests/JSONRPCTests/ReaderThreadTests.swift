import Diagnostics
import JSONValue
import Testing
@testable import JSONRPC
import JSONRPCTestSupport

@Suite("Reader-thread confinement")
struct ReaderThreadTests {
    #if DEBUG
    @Test("the initialize and route hooks run on the thread that claimed the reader's state")
    func hooksOnReader() async {
        let e = Engine()
        let seen = Locked<[String]>([])
        let server = e.server
        e.setHooks { h in
            h.initialize = { _ in
                seen.withLock { $0.append("initialize:\(server.readerThread.isCurrent)") }
                return .object(JSONObject())
            }
            h.route = { method, _ in
                seen.withLock { $0.append("\(method):\(server.readerThread.isCurrent)") }
                return .proceed
            }
        }
        #expect(!server.readerThread.isCurrent)
        e.start()
        e.send(rpc(1, "initialize"), rpc(2, "echo"))
        await e.waitForResponses([1, 2])
        #expect(seen.current == ["initialize:true", "echo:true"])
        #expect(!server.readerThread.isCurrent)
        await e.finish()
    }

    @Test("a reader-confined value touched from another thread stops the process")
    func confinedValueTraps() async {
        await #expect(processExitsWith: .failure) {
            let owner = ThreadOwner("the reader thread")
            let confined = ReaderConfined(0, owner: owner)
            await withCheckedContinuation { c in startThread(name: "test.reader") { owner.claim(); c.resume() } }
            _ = confined.value
        }
    }
    #endif

    @Test("on its own thread a reader-confined value reads, writes and changes in place")
    func confinedValueOnOwner() async {
        let result: [Int] = await withCheckedContinuation { c in
            startThread(name: "test.reader") {
                let owner = ThreadOwner("the reader thread")
                owner.claim()
                let confined = ReaderConfined([1], owner: owner)
                confined.value = [1, 2]
                confined.modify { $0.append(3) }
                c.resume(returning: confined.value)
            }
        }
        #expect(result == [1, 2, 3])
    }
}
