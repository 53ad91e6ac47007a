@testable import AiToEarnAdapter
import AiToEarnCore
import AiToEarnCoreTestSupport
import Diagnostics
import JSONRPC
import JSONRPCTestSupport
import JSONValue

/// One adapter served in memory, as the executable serves it on stdio: NDJSON in, NDJSON out,
/// a fake network and a test clock; `exit` records the status instead of ending the process.
final class AdapterHarness: Sendable {
    let input = MemorySource()
    let output = MemorySink()
    let network: FakeNetwork
    /// The session's clock: time passes when something sleeps on it (or a test does).
    let clock = VirtualClock()
    let server: RPCServer
    private let exited = ExitRecorder()
    private let nextId = Locked<Int64>(0)

    init(_ arguments: [String] = [], environment: [String: String] = ["AITOEARN_API_KEY": "sk-test-key"],
         network: FakeNetwork = FakeNetwork()) throws {
        self.network = network
        let launch = try LaunchOptions.parse(["--log-level", "error"] + arguments)
        let adapter = try Adapter(launch: launch, environment: environment)
        let (exited, output) = (self.exited, self.output)
        server = adapter.serve(input: input, output: output, clock: clock, network: network,
                               exit: { status in exited.record(status, written: output.written) })
    }

    /// Ends the threads the engine started once the test lets go of it.
    deinit {
        output.stall(false)
        // Without waiting for the threads to end: this may run on the cooperative pool.
        server.close(waiting: 0)
        input.close()
    }

    /// Sends one message as an NDJSON line.
    func send(_ message: JSONValue) {
        input.feed(message.serialized() + Array("\n".utf8))
    }

    /// Sends a request and waits for its response.
    func call(_ method: String, _ params: JSONValue? = nil) async -> JSONValue? {
        let id = nextId.withLock { n -> Int64 in n += 1; return n }
        var message: JSONObject = ["jsonrpc": "2.0", "id": .integer(id), "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
        return await response(id: .integer(id))
    }

    func notify(_ method: String, _ params: JSONValue? = nil) {
        var message: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
    }

    /// Everything written so far, one message a line.
    var messages: [JSONValue] { Self.parse(output.written) }

    func notifications(_ method: String) -> [JSONValue] {
        messages.filter { $0["method"]?.stringValue == method && $0["id"] == nil }
    }

    /// Waits (on a thread of its own, not the cooperative pool) until the response to `id` is written.
    func response(id: JSONValue) async -> JSONValue? {
        let output = self.output
        return await offload {
            var found: JSONValue?
            _ = output.wait(timeout: 5) { bytes in
                found = Self.parse(bytes).first { $0["id"] == id && $0["method"] == nil }
                return found != nil
            }
            return found
        }
    }

    /// Ends input and waits for the engine to end the session; returns the exit status.
    func close() async -> Int32? {
        input.close()
        return await exited()
    }

    /// Waits for the engine to end the session (after `exit`, say); returns the exit status.
    func exited() async -> Int32? { await exited.wait() }

    private static func parse(_ bytes: [UInt8]) -> [JSONValue] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse($0) }
    }
}
