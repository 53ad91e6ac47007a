import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the engine's input comes from: a blocking source of bytes.
package protocol ByteSource: Sendable {
    /// Blocks until some bytes are there; returns how many were read, 0 at end of input, -1 on error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int
    /// True once the other side has gone away for good (checked while input is paused).
    func hasHungUp() -> Bool
}

/// Where the engine's output goes: a blocking sink of bytes.
package protocol ByteSink: Sendable {
    /// Writes all of `bytes`, blocking as long as the other side does not read; false once it is gone.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// True when a write of `count` bytes would finish at once, without blocking; false when it
    /// might block or nobody can tell (the default).
    func canWriteAtOnce(_ count: Int) -> Bool
}

extension ByteSink {
    package func canWriteAtOnce(_ count: Int) -> Bool { false }
}

/// A file descriptor as a source (stdin, a pipe).
package struct FileDescriptorSource: ByteSource {
    package let fd: Int32
    package init(fd: Int32) { self.fd = fd }

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            #if canImport(Glibc)
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
            let n = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    package func hasHungUp() -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) > 0 && (p.revents & Int16(POLLHUP | POLLERR | POLLNVAL)) != 0
    }
}

/// A file descriptor as a sink (the protocol's private copy of stdout).
package struct FileDescriptorSink: ByteSink {
    package let fd: Int32
    package init(fd: Int32) { self.fd = fd }

    package func write(_ bytes: UnsafeRawBufferPointer) -> Bool { writeAll(fd: fd, bytes) }

    /// A pipe that polls writable has room for PIPE_BUF bytes (Linux: a free page; BSD and macOS:
    /// PIPE_BUF free), and a stream socket for far more; a file or terminal is always writable.
    package func canWriteAtOnce(_ count: Int) -> Bool {
        guard count <= Int(PIPE_BUF) else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return poll(&p, 1, 0) == 1 && p.revents == Int16(POLLOUT)
    }
}
