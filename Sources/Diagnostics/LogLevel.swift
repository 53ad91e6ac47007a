/// Log verbosity, from least to most verbose, as named on the command line.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case error, warn, info, debug, trace

    public init?(name: String) {
        switch name.lowercased() {
        case "error": self = .error
        case "warn", "warning": self = .warn
        case "info": self = .info
        case "debug": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }

    public var name: String { ["error", "warn", "info", "debug", "trace"][rawValue] }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}
