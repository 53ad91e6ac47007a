import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into an orderly end (flush, exit 0) instead of an abrupt kill.
public final class SignalHandling: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    public init(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        sources = [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { onSignal(sig) }
            s.resume()
            return s
        }
    }
}
