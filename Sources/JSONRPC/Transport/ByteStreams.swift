import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the engine's input comes from: a blocking source of bytes.
public protocol ByteSource: Sendable {
    /// Blocks until some bytes are there; returns how many were read, 0 at end of input, -1 on error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int
    /// True once the other side has gone away for good (checked while input is paused).
    func hasHungUp() -> Bool
}

/// Where the engine's output goes: a blocking sink of bytes.
public protocol ByteSink: Sendable {
    /// Writes all of `bytes`, blocking as long as the other side does not read; false once it is gone.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
}

/// A file descriptor as a source (stdin, a pipe).
public struct FileDescriptorSource: ByteSource {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
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

    public func hasHungUp() -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) > 0 && (p.revents & Int16(POLLHUP | POLLERR | POLLNVAL)) != 0
    }
}

/// A file descriptor as a sink (the protocol's private copy of stdout).
public struct FileDescriptorSink: ByteSink {
    public let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool { writeAll(fd: fd, bytes) }
}
