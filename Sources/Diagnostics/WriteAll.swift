#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one primitive every descriptor write goes through: the protocol's stdout (JSONRPC's
// `FileDescriptorSink`, the engine's only way out), the log and trace on stderr (`LineSink`),
// files the core saves (`FileSink`, `ImageSaver`, `FileBytes`), a thread's name, the adapter's
// `--help` and start-up lines. It sits here, in the lowest target, because the log and the core
// need it as much as the engine does; the stdout path itself is in JSONRPC/Transport
// (`ByteStreams.swift`, `StandardStreams.swift`).

/// Writes every byte, retrying short writes and EINTR; false when the descriptor is gone.
@discardableResult
package func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd: fd, $0) }
}

/// The same, for bytes in place.
@discardableResult
package func writeAll(fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < raw.count {
        #if canImport(Glibc)
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        #else
        let n = Darwin.write(fd, raw.baseAddress! + offset, raw.count - offset)
        #endif
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        offset += n
    }
    return true
}
