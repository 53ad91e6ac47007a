#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor that takes whole lines from many threads without interleaving them.
package final class LineSink: Sendable {
    /// The descriptor, taken under its lock for each line. (A `Locked<Void>` beside it made
    /// ThreadSanitizer see the zero-size value's access overlap the lock object's header.)
    private let fd: Locked<Int32>

    package init(fd: Int32) { self.fd = Locked(fd) }

    /// Opens (creating or appending) a file for lines; nil when it cannot be opened.
    package static func file(path: String) -> LineSink? {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        return fd < 0 ? nil : LineSink(fd: fd)
    }

    /// Opens a file that will hold secrets' surroundings (prompts, replies) for the owner alone:
    /// created 0600; a symlink is not followed (it could aim the trace into another file); an
    /// existing file must be a regular one and is made 0600 if others could read it. The error
    /// says why the file was refused.
    package static func privateFile(path: String) -> Result<LineSink, PrivateFileError> {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        if fd < 0 {
            let why: String
            switch errno {
            case ELOOP: why = "it is a symbolic link, which is not followed"
            case ENXIO: why = "it is not a regular file"  // a FIFO with no reader
            default: why = String(cString: strerror(errno))
            }
            return .failure(PrivateFileError(why))
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .failure(PrivateFileError("it is not a regular file"))
        }
        if st.st_mode & 0o077 != 0 && fchmod(fd, 0o600) != 0 {
            close(fd)
            return .failure(PrivateFileError("others can read it and its mode cannot be changed to 0600"))
        }
        // O_NONBLOCK only kept open() from waiting on a FIFO; writes to the file stay whole.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success(LineSink(fd: fd))
    }

    package func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        fd.withLock { writeAll(fd: $0, bytes) }
    }
}

/// Why `LineSink.privateFile` refused a path.
package struct PrivateFileError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
