import Foundation
import NetworkingABI

/// The real HTTP client: URLSession (through `NetworkLibrary`), the environment's proxy, and
/// cancellation that aborts the request on the wire.
public final class NetworkTransport: HTTPTransport {
    private let proxy: ProxySettings?

    public init(proxy: ProxySettings?) { self.proxy = proxy }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let library: NetworkLibrary
        switch NetworkLibrary.shared {
        case .success(let l): library = l
        case .failure(let f): throw f
        }
        if Task.isCancelled { throw .cancelled }
        let wire: WireRequest = (method: request.method, url: request.url.absoluteString, headers: request.headers,
                                 body: request.body, timeoutMs: request.timeoutMs,
                                 maxBytes: request.maxResponseBytes, proxyHost: proxy?.host, proxyPort: proxy?.port ?? 0)
        let exchange = Exchange(library: library)
        let reply = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Reply, Never>) in
                exchange.start(wire, continuation: c)
            }
        } onCancel: {
            exchange.cancel()
        }.wire
        switch reply.failure {
        case nil: return HTTPResponse(status: reply.status, headers: reply.headers, body: reply.body)
        case "cancelled": throw .cancelled
        case "notConnected": throw .notConnected(reply.reason)
        default: throw .noResponse(reply.reason)
        }
    }
}

/// The library's reply, owned by one task at a time.
private struct Reply: @unchecked Sendable {
    let wire: WireReply
}

/// One request through the C boundary: resumes the caller once and releases the library's handle.
private final class Exchange: @unchecked Sendable {
    private let library: NetworkLibrary
    private let lock = NSLock()
    private var handle: UnsafeMutableRawPointer?
    private var continuation: CheckedContinuation<Reply, Never>?
    private var done = false
    private var cancelRequested = false

    init(library: NetworkLibrary) { self.library = library }

    func start(_ request: WireRequest, continuation c: CheckedContinuation<Reply, Never>) {
        lock.withLock { continuation = c }
        let context = Unmanaged.passRetained(self).toOpaque()
        let h = library.send(passWire(request), context) { ctx, reply in
            let me = Unmanaged<Exchange>.fromOpaque(ctx!).takeRetainedValue()
            me.finish(takeWire(reply, as: WireReply.self))
        }
        let (releaseNow, cancelNow) = lock.withLock { () -> (Bool, Bool) in
            if done { return (true, false) }
            handle = h
            return (false, cancelRequested)
        }
        if releaseNow { library.release(h) }
        if cancelNow { library.cancel(h) }
    }

    private func finish(_ reply: WireReply) {
        let (c, h) = lock.withLock { () -> (CheckedContinuation<Reply, Never>?, UnsafeMutableRawPointer?) in
            done = true
            defer { continuation = nil; handle = nil }
            return (continuation, handle)
        }
        if let h { library.release(h) }
        c?.resume(returning: Reply(wire: reply))
    }

    func cancel() {
        let h = lock.withLock { () -> UnsafeMutableRawPointer? in
            cancelRequested = true
            return done ? nil : handle
        }
        if let h { library.cancel(h) }
    }
}

