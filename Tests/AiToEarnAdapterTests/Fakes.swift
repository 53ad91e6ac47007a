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
final class TestClock: CoreClock, @unchecked Sendable {
    private let lock = Lock()
    private var now: Int64 = 0

    var nowMs: Int64 { lock.withLock { now } }

    func sleep(ms: Int64) async throws {
        try Task.checkCancellation()
        lock.withLock { now += ms }
        await Task.yield()
        try Task.checkCancellation()
    }
}

/// The service, in memory: every request is recorded and answered by `answer` (by default, an
/// image job that is accepted and then succeeds with one linked picture).
final class FakeNetwork: HTTPTransport, @unchecked Sendable {
    static let logId = "6650f1c2a9b8e4d3c2b1a0f9"

    /// What one request gets back.
    enum Reply {
        case envelope(code: Int, message: String = "m", data: JSONValue)
        case http(status: Int, body: String, headers: [String: String] = [:])
        case fail(TransportFailure)
    }

    private let lock = Lock()
    private var log: [HTTPRequest] = []
    private let answer: @Sendable (HTTPRequest) -> Reply

    init(_ answer: @escaping @Sendable (HTTPRequest) -> Reply = FakeNetwork.imageJobSucceeds) {
        self.answer = answer
    }

    var requests: [HTTPRequest] { lock.withLock { log } }

    func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
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

    @Sendable static func imageJobSucceeds(_ request: HTTPRequest) -> Reply {
        let path = request.url.path
        if path == UpstreamAPI.submitGeneration || path == UpstreamAPI.submitEdit {
            return .envelope(code: 0, data: ["logId": .string(logId), "status": "generating"])
        }
        if path.hasPrefix(UpstreamAPI.taskPrefix) {
            return .envelope(code: 0, data: ["logId": .string(logId), "status": "success",
                                             "images": [["url": "https://cdn.example.com/fox.png"]]])
        }
        if path == UpstreamAPI.generationModels { return .envelope(code: 0, data: [["name": "gpt-image-1"]]) }
        return .http(status: 404, body: "not here")
    }
}
