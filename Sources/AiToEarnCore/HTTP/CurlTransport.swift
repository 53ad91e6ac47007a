#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The real HTTP client: libcurl's multi interface, loaded on the first request, a proxy chosen
/// per URL from the environment, and cancellation that stops the transfer on the wire.
public final class CurlTransport: HTTPTransport {
    private let environment: [String: String]
    private let connectTimeoutMs: Int

    /// `environment` supplies the proxy variables and `AITOEARN_LIBCURL` (a libcurl to load instead of the system's).
    public init(environment: [String: String], connectTimeoutMs: Int) {
        self.environment = environment
        self.connectTimeoutMs = connectTimeoutMs
    }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        let path = environment["AITOEARN_LIBCURL"].flatMap { $0.isEmpty ? nil : $0 }
        let loop = try CurlEventLoop.shared(libraryPath: path).get()
        if Task.isCancelled { throw .cancelled }
        let transfer = try CurlTransfer(request, proxy: ProxySettings.forURL(request.url, environment: environment),
                                        connectTimeoutMs: min(connectTimeoutMs, request.timeoutMs))
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
}
