import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// URLSession behind a C entry point. On Linux this module is a separate shared library that the
/// core loads on the first HTTP request: FoundationNetworking brings libcurl and some twenty
/// libraries with it, which would otherwise cost every start of the process ~7 ms.
///
/// Only Foundation objects cross the boundary. Request: an NSDictionary with `method`, `url`,
/// `headers` (array of [name, value]), `body` (NSData, optional), `timeoutMs`, `proxyHost`,
/// `proxyPort`. Reply: `status`, `headers`, `body`, or `failure` ("notConnected", "noResponse",
/// "cancelled") and `reason`.
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

    func send(_ request: NSDictionary, completion: @escaping @Sendable (NSDictionary) -> Void) -> ExchangeHandle {
        let handle = ExchangeHandle()
        guard let urlText = request.object(forKey: "url") as? String, let url = URL(string: urlText) else {
            completion(Self.failure("noResponse", "bad URL"))
            return handle
        }
        let timeoutMs = (request.object(forKey: "timeoutMs") as? NSNumber)?.intValue ?? 30_000
        var r = URLRequest(url: url)
        r.httpMethod = request.object(forKey: "method") as? String ?? "GET"
        r.httpBody = (request.object(forKey: "body") as? NSData).map { Data(referencing: $0) }
        // FoundationNetworking rounds this down to whole seconds, so our own timer below is the real
        // timeout; this one is only a backstop.
        r.timeoutInterval = Double(timeoutMs / 1000 + 2)
        for case let pair as NSArray in (request.object(forKey: "headers") as? NSArray) ?? [] where pair.count == 2 {
            if let n = pair[0] as? String, let v = pair[1] as? String { r.setValue(v, forHTTPHeaderField: n) }
        }
        #if canImport(FoundationNetworking)
        // libcurl silently resends a request whose reused connection dies before any reply, POST
        // included: a billed submission could go out twice. A fresh connection per request rules
        // that out and keeps the attempt count honest.
        r.setValue("close", forHTTPHeaderField: "Connection")
        #endif
        let proxyHost = request.object(forKey: "proxyHost") as? String
        let proxyPort = (request.object(forKey: "proxyPort") as? NSNumber)?.intValue ?? 0
        let task = session(proxyHost: proxyHost, proxyPort: proxyPort).dataTask(with: r) { data, response, error in
            let timedOut = handle.finish()
            completion(timedOut ? Self.failure("noResponse", "no answer within \(timeoutMs) ms") : Self.outcome(data, response, error))
        }
        handle.set(task)
        task.resume()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMs)) { handle.timeOut() }
        return handle
    }

    private static func failure(_ kind: String, _ reason: String) -> NSDictionary {
        let d = NSMutableDictionary()
        d.setObject(NSString(string: kind), forKey: NSString(string: "failure"))
        d.setObject(NSString(string: reason), forKey: NSString(string: "reason"))
        return d
    }

    private static func outcome(_ data: Data?, _ response: URLResponse?, _ error: Error?) -> NSDictionary {
        if let error {
            let (kind, reason) = classify(error)
            return failure(kind, reason)
        }
        guard let http = response as? HTTPURLResponse else { return failure("noResponse", "not an HTTP response") }
        let headers = NSMutableDictionary()
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers.setObject(NSString(string: v), forKey: NSString(string: k)) }
        }
        let d = NSMutableDictionary()
        d.setObject(NSNumber(value: http.statusCode), forKey: NSString(string: "status"))
        d.setObject(headers, forKey: NSString(string: "headers"))
        d.setObject(NSData(data: data ?? Data()), forKey: NSString(string: "body"))
        return d
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
