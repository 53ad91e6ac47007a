import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// Time that passes only when someone sleeps: each sleep advances it at once, so a job polled
/// for minutes ends in microseconds.
package final class VirtualClock: CoreClock, @unchecked Sendable {
    private let lock = Lock()
    private var now: Int64 = 0
    private var slept: [Int64] = []

    package init() {}

    package var nowMs: Int64 { lock.withLock { now } }

    /// Every sleep asked for, in order.
    package var sleeps: [Int64] { lock.withLock { slept } }

    package func sleep(ms: Int64) async throws {
        try Task.checkCancellation()
        lock.withLock {
            now += ms
            slept.append(ms)
        }
        await Task.yield()
        try Task.checkCancellation()
    }
}

/// The service, in memory: every request is recorded and answered by `answer`, or from a script.
package final class FakeNetwork: HTTPTransport, @unchecked Sendable {
    /// What one request gets back.
    package enum Reply: Sendable {
        case envelope(code: Int, message: String = "m", data: JSONValue)
        case http(status: Int, body: String, headers: [String: String] = [:])
        case fail(TransportFailure)
    }

    private let lock = Lock()
    private var log: [HTTPRequest] = []
    private let answer: @Sendable (HTTPRequest) -> Reply

    package init(_ answer: @escaping @Sendable (HTTPRequest) -> Reply) {
        self.answer = answer
    }

    /// Answers from `script`, one reply a request in order, then `fallback` for ever.
    package convenience init(script: [Reply], fallback: Reply = .envelope(code: 0, data: .object([:]))) {
        let left = Locked(script)
        self.init { _ in left.withLock { $0.isEmpty ? fallback : $0.removeFirst() } }
    }

    package var requests: [HTTPRequest] { lock.withLock { log } }

    package var count: Int { lock.withLock { log.count } }

    package func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        lock.withLock { log.append(request) }
        switch answer(request) {
        case .envelope(let code, let message, let data):
            let body = JSONValue.object(["code": .integer(Int64(code)), "message": .string(message), "data": data]).serialized()
            return HTTPResponse(status: 200, body: Data(body))
        case .http(let status, let body, let headers):
            return HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
        case .fail(let failure):
            throw failure
        }
    }
}
