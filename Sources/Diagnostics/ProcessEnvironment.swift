#if canImport(Glibc)
import Glibc
#elseif canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The process's environment variables, read once at start.
package enum ProcessEnvironment {
    /// Every `NAME=value` of the environment; of a name given twice, the first (what `getenv` sees).
    package static func current() -> [String: String] {
        #if canImport(Glibc)
        // Read from `environ` directly: FoundationEssentials' ProcessInfo.environment did the
        // same with a fifth of the start-up's instructions around it.
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = environ
        while let pointer = entry.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: bytes[..<eq], as: UTF8.self)
                if result[name] == nil { result[name] = String(decoding: bytes[(eq + 1)...], as: UTF8.self) }
            }
            entry += 1
        }
        return result
        #else
        return ProcessInfo.processInfo.environment
        #endif
    }
}
