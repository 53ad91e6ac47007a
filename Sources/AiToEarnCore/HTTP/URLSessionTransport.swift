import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real HTTP client: URLSession, with the environment's proxy and cancellation that aborts the request.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    public init(proxy: ProxySettings?) {
        #if canImport(FoundationNetworking)
        // FoundationNetworking ignores connectionProxyDictionary and leaves proxies to libcurl,
        // which reads only the lower-case `http_proxy`: mirror the upper-case names it skips.
        for name in ["http_proxy", "https_proxy", "no_proxy"] {
            if getenv(name) == nil, let upper = getenv(name.uppercased()) { setenv(name, upper, 0) }
        }
        #endif
        let config = URLSessionConfiguration.ephemeral
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpCookieStorage = nil
        config.urlCache = nil
        config.httpMaximumConnectionsPerHost = 16
        // Explicit, so that a direct connection stays direct whatever the platform's defaults are.
        config.connectionProxyDictionary = proxy?.connectionProxyDictionary ?? [:]
        session = URLSession(configuration: config)
    }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        r.httpBody = request.body
        // FoundationNetworking rounds this down to whole seconds, so our own timer below is the real
        // timeout; this one is only a backstop.
        r.timeoutInterval = Double(request.timeoutMs / 1000 + 2)
        for (name, value) in request.headers { r.setValue(value, forHTTPHeaderField: name) }
        #if canImport(FoundationNetworking)
        // libcurl silently resends a request whose reused connection dies before any reply, POST
        // included: a billed submission could go out twice. A fresh connection per request rules
        // that out and keeps the attempt count honest.
        r.setValue("close", forHTTPHeaderField: "Connection")
        #endif
        let box = TaskBox()
        let result: Result<HTTPResponse, TransportFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let task = session.dataTask(with: r) { data, response, error in
                    let timedOut = box.finish()
                    continuation.resume(returning: timedOut ? .failure(.noResponse("no answer within \(request.timeoutMs) ms"))
                                                            : Self.outcome(data, response, error))
                }
                box.set(task)
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(request.timeoutMs)) { box.timeOut() }
            }
        } onCancel: {
            box.cancel()
        }
        return try result.get()
    }

    private static func outcome(_ data: Data?, _ response: URLResponse?, _ error: Error?) -> Result<HTTPResponse, TransportFailure> {
        if let error {
            return .failure(classify(error))
        }
        guard let http = response as? HTTPURLResponse else { return .failure(.noResponse("not an HTTP response")) }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k] = v }
        }
        return .success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data()))
    }

    /// Sorts errors by whether the server may have read the request: that decides billing safety.
    static func classify(_ error: Error) -> TransportFailure {
        let ns = error as NSError
        let text = "\(ns.localizedDescription) (code \(ns.code))"
        guard ns.domain == NSURLErrorDomain else { return .noResponse(text) }
        switch ns.code {
        case NSURLErrorCancelled:
            return .cancelled
        case NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed,
             NSURLErrorNotConnectedToInternet, NSURLErrorSecureConnectionFailed,
             NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate,
             NSURLErrorServerCertificateNotYetValid, NSURLErrorServerCertificateHasUnknownRoot,
             NSURLErrorClientCertificateRejected, NSURLErrorUnsupportedURL, NSURLErrorBadURL:
            return .notConnected(text)
        default:
            return .noResponse(text)
        }
    }
}

/// Hands the data task to the cancellation handler, which may run before or after it exists.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionTask?
    private var cancelled = false
    private var timedOut = false
    private var finished = false

    func set(_ t: URLSessionTask) {
        lock.lock()
        task = t
        let c = cancelled
        lock.unlock()
        if c { t.cancel() }
    }

    /// Marks the exchange complete; true when it ended because our timer fired.
    func finish() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        finished = true
        return timedOut
    }

    func timeOut() {
        lock.lock()
        guard !finished else { lock.unlock(); return }
        timedOut = true
        let t = task
        lock.unlock()
        t?.cancel()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let t = task
        lock.unlock()
        t?.cancel()
    }
}
