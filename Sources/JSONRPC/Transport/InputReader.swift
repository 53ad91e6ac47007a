import Foundation

/// A dedicated thread doing blocking reads, so the cooperative pool never waits on stdin.
public final class InputReader: @unchecked Sendable {
    private let fd: Int32
    private let chunkSize: Int

    public init(fd: Int32, chunkSize: Int = 1 << 16) {
        self.fd = fd
        self.chunkSize = chunkSize
    }

    /// Calls `onBytes` for every chunk read, then `onEnd` once at end of input or on a read error.
    public func start(onBytes: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let fd = self.fd
        let size = chunkSize
        let thread = Thread {
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: size)
            defer { buffer.deallocate() }
            while true {
                let n = read(fd, buffer.baseAddress, size)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                onBytes(UnsafeBufferPointer(rebasing: buffer[0..<n]))
            }
            onEnd()
        }
        thread.name = "aitoearn-rpc.reader"
        thread.stackSize = 4 << 20
        thread.start()
    }
}
