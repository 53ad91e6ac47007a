import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AiToEarnCoreTestSupport
import JSONValue
@testable import AiToEarnCore

func makeClient(_ transport: HTTPTransport, clock: CoreClock = VirtualClock(), key: String? = "k") -> UpstreamClient {
    var context = UpstreamContext()
    context.clock = clock
    context.jitter = { 0.5 }
    return UpstreamClient(settings: Settings(baseURL: URL(string: "http://127.0.0.1:9")!, apiKey: key, retryBaseDelayMs: 100),
                          transport: transport, context: context)
}
