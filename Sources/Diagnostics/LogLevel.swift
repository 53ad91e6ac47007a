/// Log verbosity, from least to most verbose, as named on the command line.
package enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case error, warn, info, debug, trace

    package init?(name: String) {
        switch name.lowercased() {
        case "error": self = .error
        case "warn", "warning": self = .warn
        case "info": self = .info
        case "debug": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }

    package var name: String { ["error", "warn", "info", "debug", "trace"][rawValue] }

    package static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}
