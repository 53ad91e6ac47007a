#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor that takes whole lines from many threads without interleaving them.
public final class LineSink: Sendable {
    /// The descriptor, taken under its lock for each line. (A `Locked<Void>` beside it made
    /// ThreadSanitizer see the zero-size value's access overlap the lock object's header.)
    private let fd: Locked<Int32>

    public init(fd: Int32) { self.fd = Locked(fd) }

    /// Opens (creating or appending) a file for lines; nil when it cannot be opened.
    public static func file(path: String) -> LineSink? {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        return fd < 0 ? nil : LineSink(fd: fd)
    }

    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        fd.withLock { writeAll(fd: $0, bytes) }
    }
}

/// Writes every byte, retrying short writes and EINTR; false when the descriptor is gone.
@discardableResult
public func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd: fd, $0) }
}

/// The same, for bytes in place.
@discardableResult
public func writeAll(fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
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
