#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ISO-8601 timestamps with milliseconds, as the service writes them.
package enum Timestamp {
    /// A value type, built once: no formatter object (and no ICU) per timestamp.
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    package static func now() -> String { string(Date()) }

    package static func string(_ date: Date) -> String { date.formatted(style) }
}
