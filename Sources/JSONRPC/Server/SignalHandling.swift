import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the self-pipe; written by the signal handler, the only thing it may touch.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Turns SIGTERM, SIGINT and SIGQUIT into an orderly end (flush, exit 0) instead of an abrupt kill.
/// SIGQUIT is taken too: the Swift runtime's crash handler would otherwise print "Program crashed"
/// and let the process run on.
///
/// A classic self-pipe: the handler is installed synchronously with `sigaction` (a Dispatch signal
/// source registers asynchronously, and a signal landing in that gap would be lost), and a
/// dedicated thread turns each byte into a call.
package final class SignalHandling: Sendable {
    package init(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        signalPipeWriteFD = fds[1]
        let readFD = fds[0]
        for sig in [SIGTERM, SIGINT, SIGQUIT] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(signalPipeWriteFD, &b, 1)
            }
            #else
            action.__sigaction_u.__sa_handler = { s in
                var b = UInt8(truncatingIfNeeded: s)
                _ = write(signalPipeWriteFD, &b, 1)
            }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
        startThread(name: "aitoearn-rpc.signals") {
            var b: UInt8 = 0
            while true {
                let n = read(readFD, &b, 1)
                if n == 1 { onSignal(Int32(b)) } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}
