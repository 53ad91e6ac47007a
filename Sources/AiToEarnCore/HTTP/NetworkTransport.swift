import Foundation

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
        let dict = encode(request)
        let exchange = Exchange(library: library)
        let reply: FrozenReply = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<FrozenReply, Never>) in
                exchange.start(dict, continuation: c)
            }
        } onCancel: {
            exchange.cancel()
        }
        return try Self.decode(reply.dictionary)
    }

    private func encode(_ r: HTTPRequest) -> NSDictionary {
        let d = NSMutableDictionary()
        func put(_ key: String, _ value: Any) { d.setObject(value, forKey: NSString(string: key)) }
        put("method", NSString(string: r.method))
        put("url", NSString(string: r.url.absoluteString))
        put("headers", NSArray(array: r.headers.map { NSArray(array: [NSString(string: $0.0), NSString(string: $0.1)]) }))
        if let b = r.body { put("body", NSData(data: b)) }
        put("timeoutMs", NSNumber(value: r.timeoutMs))
        if let proxy {
            put("proxyHost", NSString(string: proxy.host))
            put("proxyPort", NSNumber(value: proxy.port))
        }
        return d
    }

    private static func decode(_ d: NSDictionary) throws(TransportFailure) -> HTTPResponse {
        if let kind = d.object(forKey: "failure") as? String {
            let reason = d.object(forKey: "reason") as? String ?? kind
            switch kind {
            case "cancelled": throw .cancelled
            case "notConnected": throw .notConnected(reason)
            default: throw .noResponse(reason)
            }
        }
        var headers: [String: String] = [:]
        if let h = d.object(forKey: "headers") as? NSDictionary {
            for case let (k as String, v as String) in h { headers[k] = v }
        }
        let body = (d.object(forKey: "body") as? NSData).map { Data(referencing: $0) } ?? Data()
        return HTTPResponse(status: (d.object(forKey: "status") as? NSNumber)?.intValue ?? 0, headers: headers, body: body)
    }
}

/// One request through the C boundary: resumes the caller once and releases the library's handle.
private final class Exchange: @unchecked Sendable {
    private let library: NetworkLibrary
    private let lock = NSLock()
    private var handle: UnsafeMutableRawPointer?
    private var continuation: CheckedContinuation<FrozenReply, Never>?
    private var done = false
    private var cancelRequested = false

    init(library: NetworkLibrary) { self.library = library }

    func start(_ request: NSDictionary, continuation c: CheckedContinuation<FrozenReply, Never>) {
        lock.withLock { continuation = c }
        let context = Unmanaged.passRetained(self).toOpaque()
        let h = library.send(Unmanaged.passRetained(request).toOpaque(), context) { ctx, reply in
            let me = Unmanaged<Exchange>.fromOpaque(ctx!).takeRetainedValue()
            me.finish(Unmanaged<NSDictionary>.fromOpaque(reply).takeRetainedValue())
        }
        let (releaseNow, cancelNow) = lock.withLock { () -> (Bool, Bool) in
            if done { return (true, false) }
            handle = h
            return (false, cancelRequested)
        }
        if releaseNow { library.release(h) }
        if cancelNow { library.cancel(h) }
    }

    private func finish(_ reply: NSDictionary) {
        let (c, h) = lock.withLock { () -> (CheckedContinuation<FrozenReply, Never>?, UnsafeMutableRawPointer?) in
            done = true
            defer { continuation = nil; handle = nil }
            return (continuation, handle)
        }
        if let h { library.release(h) }
        c?.resume(returning: FrozenReply(dictionary: reply))
    }

    func cancel() {
        let h = lock.withLock { () -> UnsafeMutableRawPointer? in
            cancelRequested = true
            return done ? nil : handle
        }
        if let h { library.cancel(h) }
    }
}

/// The library's reply; never mutated after it is handed over, so it may cross tasks.
private struct FrozenReply: @unchecked Sendable {
    let dictionary: NSDictionary
}
