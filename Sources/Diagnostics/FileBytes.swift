#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole small files read with POSIX calls (`/proc` entries, a key file, an input picture).
package enum FileBytes {
    /// The file's bytes, nil when it cannot be opened or read; at most `limit` bytes are read.
    package static func read(path: String, limit: Int = .max) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while out.count < limit {
            let want = min(chunk.count, limit - out.count)
            let n = chunk.withUnsafeMutableBytes { readRetrying(fd, $0.baseAddress, want) }
            if n < 0 { return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The file as UTF-8 text (invalid sequences repaired), nil when it cannot be read.
    package static func readText(path: String) -> String? {
        read(path: path).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func readRetrying(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buffer, count)
            #else
            let n = Darwin.read(fd, buffer, count)
            #endif
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }
}

/// A file operation that failed, with the system's reason (`strerror`).
package struct FileError: Error, Sendable, CustomStringConvertible {
    package let description: String

    package init(description: String) { self.description = description }

    /// The reason for the current `errno`.
    static func fromErrno() -> FileError { FileError(description: String(cString: strerror(errno))) }
}

extension FileBytes {
    /// Makes `path` and every missing parent (like `mkdir -p`); new folders get `mode`.
    package static func makeDirectories(path: String, mode: mode_t = 0o755) throws(FileError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            built += "/" + part
            if mkdir(built, mode) == 0 || errno == EEXIST { continue }
            throw FileError.fromErrno()
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileError.fromErrno() }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw FileError(description: "Not a directory") }
    }

    /// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a reader
    /// never sees half a file.
    package static func writeAtomically(path: String, _ bytes: UnsafeRawBufferPointer) throws(FileError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.fromErrno() }
        guard writeAll(fd: fd, bytes) else {
            let failure = FileError.fromErrno()
            close(fd)
            unlink(temporary)
            throw failure
        }
        guard close(fd) == 0, rename(temporary, path) == 0 else {
            let failure = FileError.fromErrno()
            unlink(temporary)
            throw failure
        }
    }
}

extension FileBytes {
    /// `TMPDIR`, else `/tmp`, without a trailing slash (where Foundation's `NSTemporaryDirectory` looks).
    package static var temporaryDirectory: String {
        guard let t = getenv("TMPDIR").map({ String(cString: $0) }), !t.isEmpty else { return "/tmp" }
        return t.count > 1 && t.hasSuffix("/") ? String(t.dropLast()) : t
    }
}

extension FileBytes {
    /// Renames `from` to `to`; the system's reason when it failed.
    package static func move(_ from: String, to: String) -> String? {
        rename(from, to) == 0 ? nil : String(cString: strerror(errno))
    }

    /// Hands the file at `path` to `sink` in chunks, at most `limit` bytes; why it failed, or nil.
    package static func copy(path: String, limit: Int, _ sink: (UnsafeRawBufferPointer) -> Bool) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot read \(path)" }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { readRetrying(fd, $0.baseAddress, $0.count) }
            if n < 0 { return "cannot read \(path)" }
            if n == 0 { return nil }
            total += n
            if total > limit { return "it is larger than \(limit / 1_048_576) MB" }
            guard chunk.withUnsafeBytes({ sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else { return "writing it failed" }
        }
    }
}
