#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Leveled, thread-safe logging to stderr or a log file; never to stdout, which carries the protocol.
package final class Logger: Sendable {
    package let level: LogLevel
    private let sink: LineSink
    private let redactor: Redactor

    package init(level: LogLevel, sink: LineSink, redactor: Redactor) {
        self.level = level
        self.sink = sink
        self.redactor = redactor
    }

    package func log(_ l: LogLevel, _ message: @autoclosure () -> String) {
        guard l <= level else { return }
        let line = "aitoearn-rpc [\(l.name)] " + redactor.redact(message())
        sink.write(line)
    }

    package func error(_ m: @autoclosure () -> String) { log(.error, m()) }
    package func warn(_ m: @autoclosure () -> String) { log(.warn, m()) }
    package func info(_ m: @autoclosure () -> String) { log(.info, m()) }
    package func debug(_ m: @autoclosure () -> String) { log(.debug, m()) }
    package func trace(_ m: @autoclosure () -> String) { log(.trace, m()) }
}
