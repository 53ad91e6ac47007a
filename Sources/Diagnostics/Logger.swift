#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Leveled, thread-safe logging to stderr or a log file; never to stdout, which carries the protocol.
public final class Logger: Sendable {
    public let level: LogLevel
    private let sink: LineSink
    private let redactor: Redactor

    public init(level: LogLevel, sink: LineSink, redactor: Redactor) {
        self.level = level
        self.sink = sink
        self.redactor = redactor
    }

    public func log(_ l: LogLevel, _ message: @autoclosure () -> String) {
        guard l <= level else { return }
        let line = "aitoearn-rpc [\(l.name)] " + redactor.redact(message())
        sink.write(line)
    }

    public func error(_ m: @autoclosure () -> String) { log(.error, m()) }
    public func warn(_ m: @autoclosure () -> String) { log(.warn, m()) }
    public func info(_ m: @autoclosure () -> String) { log(.info, m()) }
    public func debug(_ m: @autoclosure () -> String) { log(.debug, m()) }
    public func trace(_ m: @autoclosure () -> String) { log(.trace, m()) }
}
