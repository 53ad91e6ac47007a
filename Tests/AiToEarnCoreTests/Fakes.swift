import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue
@testable import AiToEarnCore

/// Time that passes only when someone sleeps: each sleep advances it at once.
final class VirtualClock: CoreClock, @unchecked Sendable {
    private let lock = Lock()
    private var now: Int64 = 0
    private(set) var sleeps: [Int64] = []

    var nowMs: Int64 { lock.withLock { now } }

    func sleep(ms: Int64) async throws {
        try Task.checkCancellation()
        lock.withLock {
            now += ms
            sleeps.append(ms)
        }
        await Task.yield()
        try Task.checkCancellation()
    }
}

/// A recording stand-in for the network: answers from a script, logs every request.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step {
        case envelope(code: Int, data: JSONValue)
        case http(status: Int, body: String, headers: [String: String])
        case fail(TransportFailure)
    }

    private let lock = Lock()
    private var script: [Step]
    private let fallback: Step
    private(set) var requests: [HTTPRequest] = []

    init(_ script: [Step], fallback: Step = .envelope(code: 0, data: .object([:]))) {
        self.script = script
        self.fallback = fallback
    }

    var count: Int { lock.withLock { requests.count } }

    func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let step: Step = lock.withLock {
            requests.append(request)
            return script.isEmpty ? fallback : script.removeFirst()
        }
        switch step {
        case .envelope(let code, let data):
            let body = JSONValue.object(["code": .integer(Int64(code)), "message": "m", "data": data]).serialized()
            return HTTPResponse(status: 200, body: Data(body))
        case .http(let status, let body, let headers):
            return HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
        case .fail(let f):
            throw f
        }
    }
}

func makeClient(_ transport: HTTPTransport, clock: CoreClock = VirtualClock(), key: String? = "k") -> UpstreamClient {
    var context = UpstreamContext()
    context.clock = clock
    context.jitter = { 0.5 }
    return UpstreamClient(settings: Settings(baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: key, retryBaseDelayMs: 100),
                          transport: transport, context: context)
}
