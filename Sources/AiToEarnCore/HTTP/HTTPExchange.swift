#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One HTTP request as the core builds it, independent of any HTTP library.
package struct HTTPRequest: Sendable {
    package var method: String
    package var url: URL
    package var headers: [(String, String)]
    package var body: Data?
    package var timeoutMs: Int
    /// A reply body larger than this is cut off and reported as a failure.
    package var maxResponseBytes: Int
    /// Redirects followed (http(s) only); 0 hands a 3xx back as the response.
    package var maxRedirects: Int
    /// A connection of its own, never reused: for requests that must not be resent behind our back.
    package var freshConnection: Bool
    /// Told each time the request goes out on a connection. libcurl resends an idempotent request
    /// by itself when a kept-alive connection turns out dead; this keeps attempt counts true.
    package var onSend: (@Sendable () -> Void)?
    /// Which addresses the request may connect to (checked after DNS, on every redirect).
    package var addresses: AddressPolicy = .any
    /// Whether a proxy from the environment may carry it. A request with the API key over plain
    /// http (a loopback base URL) goes direct: a proxy would read the key in clear.
    package var proxyAllowed = true
    /// Where the body goes instead of memory, as it arrives (an image or a video download streamed
    /// to disk: it need not sit in memory whole); returning false aborts the transfer.
    /// `maxResponseBytes` still bounds it, and a redirect's own body never reaches it. A transport
    /// that cannot stream may leave it alone and return the body as usual.
    package var bodySink: (@Sendable (UnsafeRawBufferPointer) -> Bool)?

    /// API replies are small; image downloads set their own limit.
    package static let defaultMaxResponseBytes = 8 * 1024 * 1024

    package init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil, timeoutMs: Int,
                maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes, maxRedirects: Int = 0) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
        self.maxResponseBytes = maxResponseBytes
        self.maxRedirects = maxRedirects
        freshConnection = method != "GET"
    }

    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}

/// One HTTP response: status, headers (names lower-cased) and body.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: Data

    package init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }
}

/// Why no response arrived; what matters is whether the request may have reached the server.
package enum TransportFailure: Error, Sendable, Equatable {
    /// The connection never opened: the server cannot have seen the request (safe to resend).
    case notConnected(String)
    /// The request may have been read: connection lost, timed out, garbled reply.
    case noResponse(String)
    case cancelled
    /// There is no HTTP client to send with (libcurl is missing): nothing was sent, and trying
    /// again will not help.
    case unavailable(String)
    /// The reply was larger than `maxResponseBytes` (the limit), so it was cut off: asking again
    /// would bring the same reply.
    case replyTooLarge(limit: Int)

    package var reason: String {
        switch self {
        case .notConnected(let r), .noResponse(let r), .unavailable(let r): return r
        case .cancelled: return "cancelled"
        case .replyTooLarge(let limit): return "the reply is larger than \(limit) bytes"
        }
    }
}

/// The seam between the core and the network; the real client and the simulator both sit behind it.
package protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse
}
