import CurlShim
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real HTTP client: libcurl's multi interface, loaded on the first request, a proxy chosen
/// per URL from the environment, and cancellation that stops the transfer on the wire.
package final class CurlTransport: HTTPTransport {
    private let environment: [String: String]
    private let connectTimeoutMs: Int

    /// `environment` supplies the proxy variables and `AITOEARN_LIBCURL` (a libcurl to load instead of the system's).
    package init(environment: [String: String], connectTimeoutMs: Int) {
        self.environment = environment
        self.connectTimeoutMs = connectTimeoutMs
    }

    package func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let path = environment["AITOEARN_LIBCURL"].flatMap { $0.isEmpty ? nil : $0 }
        let loop = try CurlEventLoop.shared(libraryPath: path).get()
        guard request.addresses != .any, proxy(for: request) != nil else { return try await once(request, loop: loop) }
        // Through a proxy the socket check sees only the proxy's address, so the target is
        // checked here, before the proxy is asked, and every redirect hop again (followed here,
        // each with its own proxy choice).
        var hop = request
        hop.maxRedirects = 0
        for n in 0...request.maxRedirects {
            if proxy(for: hop) != nil { try await Self.check(hop.url, policy: request.addresses) }
            let response = try await once(hop, loop: loop)
            guard n < request.maxRedirects, (300..<400).contains(response.status), response.status != 304,
                  let location = response.headers["location"],
                  let next = URL(string: location, relativeTo: hop.url)?.absoluteURL,
                  let scheme = next.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return response }
            hop.url = next
        }
        throw .noResponse("too many redirects")
    }

    private func proxy(for request: HTTPRequest) -> ProxySettings? {
        request.proxyAllowed ? ProxySettings.forURL(request.url, environment: environment) : nil
    }

    private func once(_ request: HTTPRequest, loop: CurlEventLoop) async throws(TransportFailure) -> HTTPResponse {
        if Task.isCancelled { throw .cancelled }
        let transfer = try CurlTransfer(request, proxy: proxy(for: request), connectTimeoutMs: min(connectTimeoutMs, request.timeoutMs))
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<CurlTransfer.Outcome, Never>) in
                transfer.await(c)
                loop.start(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try outcome.get()
    }

    /// Resolves `url`'s host off the cooperative pool (DNS blocks) and checks every address.
    private static func check(_ url: URL, policy: AddressPolicy) async throws(TransportFailure) {
        guard var host = url.host else { throw .notConnected("the URL has no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let code: Int32 = policy == .publicOnly ? ACURL_ADDRESSES_PUBLIC : ACURL_ADDRESSES_NOT_LINK_LOCAL
        let name = host
        let verdict = await withCheckedContinuation { (c: CheckedContinuation<Int32, Never>) in
            DispatchQueue.global().async { c.resume(returning: acurl_host_allowed(name, code)) }
        }
        switch verdict {
        case 1: return
        case 0: throw .notConnected("\(host) is on a loopback, private or link-local network, which is refused")
        case 2: throw .notConnected("\(host) is an address written as a bare or IPv4-mapped number, which is refused")
        default: throw .notConnected("\(host) could not be resolved to check where it points")
        }
    }
}
