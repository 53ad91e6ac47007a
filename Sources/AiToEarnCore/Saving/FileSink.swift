import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file being written chunk by chunk (a download streamed to disk), keeping its first bytes
/// so the content can be judged without reading the file back. Written from one thread at a time.
final class FileSink: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private(set) var head: [UInt8] = []
    private(set) var written = 0
    /// The system's reason when a write failed.
    private(set) var failure: String?

    init(path: String) throws(FileError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(description: String(cString: strerror(errno))) }
    }

    /// Appends `bytes`; false (and `failure` set) when the disk refused them.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if head.count < 64 { head.append(contentsOf: bytes.prefix(64 - head.count)) }
        guard writeAll(fd: fd, bytes) else {
            failure = String(cString: strerror(errno))
            return false
        }
        written += bytes.count
        return true
    }

    /// Closes the file and moves it to `target` (nothing half-written is ever seen there).
    func finish(at target: String) -> String? {
        guard close(fd) == 0 else { discard(); return String(cString: strerror(errno)) }
        guard rename(path, target) == 0 else { let why = String(cString: strerror(errno)); unlink(path); return why }
        return nil
    }

    /// Closes and removes the file.
    func discard() {
        close(fd)
        unlink(path)
    }
}
