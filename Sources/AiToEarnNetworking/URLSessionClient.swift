import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NetworkingABI

/// URLSession behind a C entry point. On Linux this module is a separate shared library that the
/// core loads on the first HTTP request: FoundationNetworking brings libcurl and some twenty
/// libraries with it, which would otherwise cost every start of the process ~7 ms.
///
/// Requests and replies cross the boundary as `WireRequest` and `WireReply` (NetworkingABI).
final class URLSessionClient: @unchecked Sendable {
    static let shared = URLSessionClient()

    private let lock = NSLock()
    private var sessions: [String: URLSession] = [:]

    private init() {
        #if canImport(FoundationNetworking)
        // FoundationNetworking ignores connectionProxyDictionary and leaves proxies to libcurl,
        // which reads only the lower-case `http_proxy`: mirror the upper-case names it skips.
        for name in ["http_proxy", "https_proxy", "no_proxy"] {
            if getenv(name) == nil, let upper = getenv(name.uppercased()) { setenv(name, upper, 0) }
        }
        #endif
    }

    private func session(proxyHost: String?, proxyPort: Int) -> URLSession {
        let key = proxyHost.map { "\($0):\(proxyPort)" } ?? ""
        lock.lock()
        defer { lock.unlock() }
        if let s = sessions[key] { return s }
        let config = URLSessionConfiguration.ephemeral
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        config.httpCookieAcceptPolicy = .never
        config.urlCache = nil
        config.httpMaximumConnectionsPerHost = 16
        // Explicit, so that a direct connection stays direct whatever the platform's defaults are.
        config.connectionProxyDictionary = proxyHost.map {
            ["HTTPEnable": 1, "HTTPProxy": $0, "HTTPPort": proxyPort, "HTTPSEnable": 1, "HTTPSProxy": $0, "HTTPSPort": proxyPort]
        } ?? [:]
        let s = URLSession(configuration: config)
        sessions[key] = s
        return s
    }

    func send(_ request: WireRequest, completion: @escaping @Sendable (WireReply) -> Void) -> ExchangeHandle {
        let handle = ExchangeHandle()
        guard let url = URL(string: request.url) else {
            completion(Self.failure("noResponse", "bad URL"))
            return handle
        }
        let timeoutMs = request.timeoutMs
        var r = URLRequest(url: url)
        r.httpMethod = request.method
        r.httpBody = request.body
        // FoundationNetworking rounds this down to whole seconds, so our own timer below is the real
        // timeout; this one is only a backstop.
        r.timeoutInterval = Double(timeoutMs / 1000 + 2)
        for (name, value) in request.headers { r.setValue(value, forHTTPHeaderField: name) }
        #if canImport(FoundationNetworking)
        // libcurl silently resends a request whose reused connection dies before any reply, POST
        // included: a billed submission could go out twice. A fresh connection per request rules
        // that out and keeps the attempt count honest.
        r.setValue("close", forHTTPHeaderField: "Connection")
        #endif
        let task = session(proxyHost: request.proxyHost, proxyPort: request.proxyPort).dataTask(with: r) { data, response, error in
            let timedOut = handle.finish()
            completion(timedOut ? Self.failure("noResponse", "no answer within \(timeoutMs) ms") : Self.outcome(data, response, error))
        }
        handle.set(task)
        task.resume()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMs)) { handle.timeOut() }
        return handle
    }

    private static func failure(_ kind: String, _ reason: String) -> WireReply {
        (status: 0, headers: [:], body: Data(), failure: kind, reason: reason)
    }

    private static func outcome(_ data: Data?, _ response: URLResponse?, _ error: Error?) -> WireReply {
        if let error {
            let (kind, reason) = classify(error)
            return failure(kind, reason)
        }
        guard let http = response as? HTTPURLResponse else { return failure("noResponse", "not an HTTP response") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k] = v }
        }
        return (status: http.statusCode, headers: headers, body: data ?? Data(), failure: nil, reason: "")
    }

    /// Sorts errors by whether the server may have read the request: that decides billing safety.
    static func classify(_ error: Error) -> (String, String) {
        let ns = error as NSError
        let text = "\(ns.localizedDescription) (code \(ns.code))"
        guard ns.domain == NSURLErrorDomain else { return ("noResponse", text) }
        switch ns.code {
        case NSURLErrorCancelled:
            return ("cancelled", text)
        case NSURLErrorCannotConnectToHost, NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed,
             NSURLErrorNotConnectedToInternet, NSURLErrorSecureConnectionFailed,
             NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate,
             NSURLErrorServerCertificateNotYetValid, NSURLErrorServerCertificateHasUnknownRoot,
             NSURLErrorClientCertificateRejected, NSURLErrorUnsupportedURL, NSURLErrorBadURL:
            return ("notConnected", text)
        default:
            return ("noResponse", text)
        }
    }
}

/// One exchange in flight: lets a cancel or our timer stop it, whichever comes first.
final class ExchangeHandle: @unchecked Sendable {
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
