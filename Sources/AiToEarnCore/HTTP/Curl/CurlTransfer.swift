import Diagnostics
import CurlShim
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One HTTP exchange on a libcurl easy handle.
///
/// Configured on the caller's thread, then handed to the event loop through its locked inbox;
/// from there on only the loop's thread touches it (libcurl calls the callbacks on that thread).
final class CurlTransfer: @unchecked Sendable {
    typealias Outcome = Result<HTTPResponse, TransportFailure>

    let request: HTTPRequest
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutableRawPointer?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    private let addressGuard = UnsafeMutablePointer<acurl_address_guard>.allocate(capacity: 1)

    // Loop-thread state.
    private var body = Data()
    /// Body bytes of the final response so far, whether kept or handed to the request's sink.
    private var received = 0
    private var headers: [String: String] = [:]
    /// Bytes of the current header block, bounded so that no reply can make the loop thread work
    /// without end.
    private var headerBytes = 0
    private var headerOverflow = false
    private var tooLarge = false
    /// The response being read is a redirect (its body is no one's payload).
    private var redirecting = false
    /// Set when libcurl has a connection and is about to send the request: from here on the
    /// server may act on it, and the request timeout runs.
    private(set) var sentAtMs: Int64?
    /// libcurl older than 7.80 cannot say when the request goes out; see `failure(code:)`.
    private var knowsWhenSent = false
    var cancelRequested = false
    /// Through a proxy: a 407, or a CONNECT the proxy refused, is the proxy's answer, not the service's.
    private(set) var usesProxy = false
    private var continuation: CheckedContinuation<Outcome, Never>?

    /// The loop to tell when a request timeout starts running.
    unowned(unsafe) var loop: CurlEventLoop?

    init(_ request: HTTPRequest, proxy: ProxySettings?, connectTimeoutMs: Int) throws(TransportFailure) {
        guard let easy = EasyHandles.take() else { throw .notConnected("libcurl could not make a transfer") }
        self.request = request
        self.easy = easy
        errorBuffer.initialize(repeating: 0, count: 256)
        addressGuard.initialize(to: acurl_address_guard(policy: Self.policyCode(request.addresses), refused: 0))
        let me = Unmanaged.passUnretained(self).toOpaque()
        knowsWhenSent = acurl_easy_set_prereq(easy, prereqCallback, me) == ACURLE_OK
        acurl_easy_set_write(easy, writeCallback, me)
        acurl_easy_set_header(easy, headerCallback, me)
        set(ACURLOPT_ERRORBUFFER, pointer: errorBuffer)
        set(ACURLOPT_NOSIGNAL, 1)
        // API replies are small; libcurl's 16 KB receive buffer per transfer adds up over a
        // thousand concurrent jobs. Image downloads keep the default, which suits big bodies.
        if request.maxResponseBytes <= HTTPRequest.defaultMaxResponseBytes { set(ACURLOPT_BUFFERSIZE, 4096) }
        request.url.absoluteString.withCString { set(ACURLOPT_URL, pointer: $0) }
        if trySet(ACURLOPT_PROTOCOLS_STR, "http,https") != ACURLE_OK { set(ACURLOPT_PROTOCOLS, 3) }
        // A proxy of our own choosing, or none: libcurl must not read the environment itself.
        (proxy?.url ?? "").withCString { set(ACURLOPT_PROXY, pointer: $0) }
        // libcurl would otherwise still read NO_PROXY itself and might go direct where the
        // adapter decided on the proxy (and so skipped the socket check below).
        "".withCString { set(ACURLOPT_NOPROXY, pointer: $0) }
        usesProxy = proxy != nil
        // Through a proxy, the proxy's own address is what the socket sees; the proxy decides.
        if request.addresses != .any && proxy == nil { acurl_easy_set_address_guard(easy, addressGuard) }
        set(ACURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMs)
        if !knowsWhenSent { set(ACURLOPT_TIMEOUT_MS, connectTimeoutMs + request.timeoutMs) }
        if request.maxRedirects > 0 {
            set(ACURLOPT_FOLLOWLOCATION, 1)
            set(ACURLOPT_MAXREDIRS, request.maxRedirects)
            if trySet(ACURLOPT_REDIR_PROTOCOLS_STR, "http,https") != ACURLE_OK { set(ACURLOPT_REDIR_PROTOCOLS, 3) }
        }
        var lines = request.headers.map { "\($0.0): \($0.1)" }
        switch request.method {
        case "GET":
            set(ACURLOPT_HTTPGET, 1)
            // Wait for a multiplexed HTTP/2 stream rather than open a connection of its own.
            set(ACURLOPT_PIPEWAIT, 1)
        default:
            if request.method == "POST" { set(ACURLOPT_POST, 1) } else {
                request.method.withCString { set(ACURLOPT_CUSTOMREQUEST, pointer: $0) }
            }
            let data = request.body ?? Data()
            set(ACURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(data.count))
            data.withUnsafeBytes { set(ACURLOPT_COPYPOSTFIELDS, pointer: $0.baseAddress ?? UnsafeRawPointer(errorBuffer)) }
            // The body goes out whole with the headers: no "100-continue" round trip.
            lines.append("Expect:")
        }
        if request.freshConnection {
            // A billed request never rides a reused connection, so libcurl can never silently
            // resend it when a kept-alive connection turns out dead; and none reuses its connection.
            set(ACURLOPT_FRESH_CONNECT, 1)
            set(ACURLOPT_FORBID_REUSE, 1)
        }
        for line in lines { headerList = line.withCString { acurl_slist_append(headerList, $0) } }
        set(ACURLOPT_HTTPHEADER, pointer: headerList)
    }

    deinit {
        // Reset before the header list is freed: the handle must not point at it past here.
        EasyHandles.give(easy)
        if let headerList { acurl_slist_free_all(headerList) }
        errorBuffer.deallocate()
        addressGuard.deallocate()
    }

    private static func policyCode(_ p: AddressPolicy) -> Int32 {
        switch p {
        case .any: return ACURL_ADDRESSES_ANY
        case .notLinkLocal: return ACURL_ADDRESSES_NOT_LINK_LOCAL
        case .publicOnly: return ACURL_ADDRESSES_PUBLIC
        }
    }

    // libcurl copies strings it is given (7.17+), so a pointer that lives for the call is enough.
    private func set(_ option: Int32, _ value: Int) { _ = acurl_easy_setopt_long(easy, option, value) }
    private func set(_ option: Int32, offset: Int64) { _ = acurl_easy_setopt_off(easy, option, offset) }
    private func set(_ option: Int32, pointer: UnsafeRawPointer?) { _ = acurl_easy_setopt_ptr(easy, option, pointer) }
    private func trySet(_ option: Int32, _ text: String) -> Int32 { text.withCString { acurl_easy_setopt_ptr(easy, option, $0) } }

    func await(_ c: CheckedContinuation<Outcome, Never>) { continuation = c }

    /// Resumes the caller once; the loop has already taken the handle out of the multi handle.
    func finish(_ outcome: Outcome) {
        CurlEventLoop.thread.assertIsCurrent("finishing a transfer")
        guard let c = continuation else { return }
        continuation = nil
        c.resume(returning: outcome)
    }

    /// What a finished libcurl transfer came to.
    func outcome(code: Int32) -> Outcome {
        CurlEventLoop.thread.assertIsCurrent("a transfer's outcome")
        if code == ACURLE_OK {
            var status = 0
            acurl_easy_getinfo_long(easy, ACURLINFO_RESPONSE_CODE, &status)
            // Plain http through a proxy: the 407 comes from the proxy, which never forwarded the request.
            if usesProxy && status == 407 { return .failure(.notConnected(Self.proxyRefused)) }
            return .success(HTTPResponse(status: status, headers: headers, body: body))
        }
        if tooLarge { return .failure(.replyTooLarge(limit: request.maxResponseBytes)) }
        // A reply came, so the request was read: never a "not connected".
        if headerOverflow { return .failure(.noResponse("the reply's headers are larger than 512 KB")) }
        if addressGuard.pointee.refused != 0 {
            var current: UnsafePointer<CChar>?
            acurl_easy_getinfo_string(easy, ACURLINFO_EFFECTIVE_URL, &current)
            let host = current.flatMap { URL(string: String(cString: $0))?.host } ?? request.url.host ?? "?"
            return .failure(.notConnected("\(host) is on a loopback, private or link-local network, which is refused"))
        }
        if usesProxy {
            var connectCode = 0
            acurl_easy_getinfo_long(easy, ACURLINFO_HTTP_CONNECTCODE, &connectCode)
            if connectCode == 407 { return .failure(.notConnected(Self.proxyRefused)) }
        }
        return .failure(failure(code: code))
    }

    static let proxyRefused = "the proxy refused the request (HTTP 407, proxy authentication required): "
        + "check the user and password in HTTPS_PROXY or HTTP_PROXY (http://user:password@host:port)"

    /// Sorts a failure by whether the server may have read the request: that decides billing safety.
    private func failure(code: Int32) -> TransportFailure {
        let detail = String(cString: UnsafePointer(errorBuffer))
        var reason = detail.isEmpty ? String(cString: acurl_easy_strerror(code)) : detail
        // libcurl before 8.6 names a header line longer than it accepts (100 KB) "Out of memory":
        // said so, the reader would look at the machine instead of at what answered.
        if code == ACURLE_OUT_OF_MEMORY && sentAtMs != nil { reason = "a reply whose header line is longer than libcurl accepts (100 KB)" }
        if knowsWhenSent { return sentAtMs == nil ? .notConnected(reason) : .noResponse(reason) }
        switch code {
        case ACURLE_COULDNT_RESOLVE_PROXY, ACURLE_COULDNT_RESOLVE_HOST, ACURLE_COULDNT_CONNECT,
             ACURLE_SSL_CONNECT_ERROR, ACURLE_PEER_FAILED_VERIFICATION, ACURLE_UNSUPPORTED_PROTOCOL,
             ACURLE_URL_MALFORMAT:
            return .notConnected(reason)
        default:
            return .noResponse(reason)
        }
    }

    fileprivate func requestGoesOut() {
        CurlEventLoop.thread.assertIsCurrent("a transfer's send time")
        request.onSend?()
        guard sentAtMs == nil else { return }
        let now = CurlEventLoop.nowMs
        sentAtMs = now
        loop?.noteDeadline(now + Int64(request.timeoutMs))
    }

    /// The response headers the client reads; others are not kept (a reply of thousands of
    /// same-name headers must cost no more than reading them once).
    static let keptHeaders: Set<String> = ["content-length", "content-type", "location", "retry-after"]
    /// The most header bytes one response may have: past libcurl's own 300 KB cap (newer
    /// versions; older ones have none), so that our reading, not the cap, is what keeps it cheap.
    static let maxHeaderBytes = 512 * 1024

    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        CurlEventLoop.thread.assertIsCurrent("a transfer's headers")
        if bytes.starts(with: "HTTP/".utf8) {
            // Each response (a redirect's, then the final one) starts a fresh header block.
            headers.removeAll()
            headerBytes = 0
            received = 0
            // "HTTP/1.1 302 Found": the digit after the first space says whether it is a redirect.
            if let space = bytes.firstIndex(of: UInt8(ascii: " ")), space + 1 < bytes.count {
                redirecting = bytes[space + 1] == UInt8(ascii: "3")
            }
        }
        headerBytes += bytes.count
        if headerBytes > Self.maxHeaderBytes {
            headerOverflow = true
            return false
        }
        // Only the headers read are kept, the first of repeated ones: a reply of thousands of
        // same-name lines costs what reading them once costs.
        guard Self.mayBeKept(bytes), let (name, value) = Self.headerField(bytes), Self.keptHeaders.contains(name),
              headers[name] == nil else { return true }
        headers[name] = value
        if name == "content-length", let length = Int(value) {
            if length > request.maxResponseBytes {
                tooLarge = true
                return false
            }
            if request.bodySink == nil { body.reserveCapacity(length) }
        }
        return true
    }

    /// Whether a header line may be one of `keptHeaders`, judged from its first byte and the
    /// length before its colon without making a string: every other line is passed over as cheaply
    /// as libcurl hands it over.
    static func mayBeKept(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, let colon = bytes.prefix(20).firstIndex(of: UInt8(ascii: ":")) else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "c"): return colon >= 12 && colon <= 15  // content-length, content-type
        case UInt8(ascii: "l"): return colon >= 8 && colon <= 10   // location
        case UInt8(ascii: "r"): return colon >= 11 && colon <= 13  // retry-after
        default: return false
        }
    }

    /// `name: value` of a header line, the name lower-cased, both trimmed; nil for a status line,
    /// the blank line that ends the block, or a line without a colon.
    static func headerField(_ bytes: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        // Header lines are ASCII nearly always: those are read by their bytes (as Strings, with
        // Unicode trimming, they were a third of a status round trip's instructions).
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return unicodeHeaderField(bytes) }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        var lo = 0
        var hi = bytes.count
        while lo < hi, isSpace(bytes[lo]) || (0x0A...0x0D).contains(bytes[lo]) { lo += 1 }
        while hi > lo, isSpace(bytes[hi - 1]) || (0x0A...0x0D).contains(bytes[hi - 1]) { hi -= 1 }
        if hi - lo >= 5, bytes[lo..<(lo + 5)].elementsEqual("HTTP/".utf8) { return nil }
        guard let colon = bytes[lo..<hi].firstIndex(of: UInt8(ascii: ":")) else { return nil }
        var nameEnd = colon
        while nameEnd > lo, isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = colon + 1
        while valueStart < hi, isSpace(bytes[valueStart]) { valueStart += 1 }
        let name = String(decoding: bytes[lo..<nameEnd].lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        return (name, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<hi]), as: UTF8.self))
    }

    /// The same for a line with non-ASCII bytes, by its unicode scalars.
    private static func unicodeHeaderField(_ bytes: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        let line = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        if line.hasPrefix("HTTP/") { return nil }
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (line[..<colon].trimmingSpaces().lowercased(), line[line.index(after: colon)...].trimmingSpaces())
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        CurlEventLoop.thread.assertIsCurrent("a transfer's body")
        guard received + bytes.count <= request.maxResponseBytes else {
            tooLarge = true
            body = Data()
            return false
        }
        received += bytes.count
        // A redirect's own body is not the payload (libcurl drops it when it follows by itself).
        if let sink = request.bodySink { return redirecting || sink(bytes) }
        body.append(contentsOf: bytes)
        return true
    }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
}

// libcurl's callbacks: C function pointers that find their transfer through the context pointer.
// Returning fewer bytes than given aborts the transfer.
private let writeCallback: acurl_data_callback = { data, size, count, context in
    let n = size * count
    return transfer(context).receiveBody(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}

private let headerCallback: acurl_data_callback = { data, size, count, context in
    let n = size * count
    return transfer(context).receiveHeader(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}

private let prereqCallback: acurl_prereq_callback = { context, _, _, _, _ in
    transfer(context).requestGoesOut()
    return 0
}
