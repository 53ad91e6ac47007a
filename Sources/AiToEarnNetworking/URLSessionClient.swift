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
    private let transfers = TransferDelegate()

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
        let s = URLSession(configuration: config, delegate: transfers, delegateQueue: nil)
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
        let task = session(proxyHost: request.proxyHost, proxyPort: request.proxyPort).dataTask(with: r)
        transfers.track(task, maxBytes: request.maxBytes) { data, response, error, tooLarge in
            let timedOut = handle.finish()
            if timedOut { return completion(Self.failure("noResponse", "no answer within \(timeoutMs) ms")) }
            if tooLarge { return completion(Self.failure("noResponse", "the reply is larger than \(request.maxBytes) bytes")) }
            completion(Self.outcome(data, response, error))
        }
        handle.set(task)
        task.resume()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMs)) { handle.timeOut() }
        return handle
    }

    private static func failure(_ kind: String, _ reason: String) -> WireReply {
        (status: 0, headers: [:], body: Data(), failure: kind, reason: reason)
    }

    static func outcome(_ data: Data?, _ response: URLResponse?, _ error: Error?) -> WireReply {
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

/// Collects each transfer's body, and cuts off one that grows past its limit instead of holding
/// it all in memory (an image host could send gigabytes).
final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    typealias Done = @Sendable (Data, URLResponse?, Error?, _ tooLarge: Bool) -> Void

    private struct Transfer {
        var data = Data()
        var response: URLResponse?
        var maxBytes: Int
        var tooLarge = false
        var done: Done
    }

    private let lock = NSLock()
    // Keyed by the task object: task identifiers repeat across sessions.
    private var transfers: [ObjectIdentifier: Transfer] = [:]

    func track(_ task: URLSessionTask, maxBytes: Int, done: @escaping Done) {
        lock.withLock { transfers[ObjectIdentifier(task)] = Transfer(maxBytes: maxBytes, done: done) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let expected = response.expectedContentLength
        let allow = lock.withLock { () -> Bool in
            guard var t = transfers[ObjectIdentifier(dataTask)] else { return true }
            t.response = response
            if expected > Int64(t.maxBytes) { t.tooLarge = true }
            transfers[ObjectIdentifier(dataTask)] = t
            return !t.tooLarge
        }
        completionHandler(allow ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let cut = lock.withLock { () -> Bool in
            guard var t = transfers[ObjectIdentifier(dataTask)], !t.tooLarge else { return false }
            if t.data.count + data.count > t.maxBytes {
                t.tooLarge = true
                t.data = Data()
            } else {
                t.data.append(data)
            }
            transfers[ObjectIdentifier(dataTask)] = t
            return t.tooLarge
        }
        if cut { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let t = lock.withLock({ transfers.removeValue(forKey: ObjectIdentifier(task)) }) else { return }
        t.done(t.data, t.response ?? task.response, error, t.tooLarge)
    }
}
