import Diagnostics
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices when the editor that started us is gone, so no orphan is left behind.
final class ParentWatcher: Sendable {
    /// Set once in init and only kept alive afterwards (Dispatch sources are thread-safe).
    private nonisolated(unsafe) let timer: DispatchSourceTimer

    init(pid: Int32, onExit: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        timer.setEventHandler {
            if !ParentWatcher.isAlive(pid) { onExit() }
        }
        timer.resume()
    }

    /// No more checks (the engine was closed).
    func stop() { timer.cancel() }

    /// `kill(pid, 0)` alone is not enough: an exited child that nobody reaped still answers it.
    static func isAlive(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        #if os(Linux)
        if let stat = FileBytes.readText(path: "/proc/\(pid)/stat"),
           let close = stat.lastIndex(of: ")") {
            let rest = stat[stat.index(after: close)...].drop(while: { $0 == " " })
            if rest.first == "Z" { return false }
        }
        #endif
        return true
    }
}
