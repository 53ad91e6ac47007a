import Diagnostics

/// A dedicated thread doing blocking reads, so the cooperative pool never waits on input.
///
/// Before each read it asks `mayRead`: while output is backed up, input is left unread (the
/// client's own writes then block) instead of piling up answers nobody takes; while paused it
/// still notices when the client has gone.
final class InputReader: Sendable {
    private let source: any ByteSource
    private let chunkSize: Int
    /// The thread reading; what it owns is checked against it in debug builds.
    let thread = ThreadOwner("the reader thread")

    init(source: any ByteSource, chunkSize: Int = 1 << 16) {
        self.source = source
        self.chunkSize = chunkSize
    }

    /// True once the client has gone away for good.
    func hasHungUp() -> Bool { source.hasHungUp() }

    /// Calls `onBytes` for every chunk read, then `onEnd` once at end of input or on a read error.
    /// `mayRead(timeout)` returns false while input should wait.
    func start(mayRead: @escaping @Sendable (Double) -> Bool,
               onBytes: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let source = self.source
        let size = chunkSize
        let owner = thread
        // 4 MiB of stack: a deeply nested message is parsed on this thread.
        startThread(name: "aitoearn-rpc.reader", stackSize: 4 << 20) {
            owner.claim()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
            defer { buffer.deallocate() }
            reading: while true {
                while !mayRead(0.1) {
                    if source.hasHungUp() { break reading }
                }
                let n = source.read(into: buffer)
                if n <= 0 { break }
                onBytes(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
            }
            onEnd()
        }
    }
}
