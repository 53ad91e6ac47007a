import Diagnostics
import Foundation

/// The single owner of the protocol's output descriptor: whole frames in, written in order by one thread.
///
/// Frames queued while a write is in progress are coalesced into the next write, which is what
/// keeps throughput high under load; a frame is never split across two callers.
public final class OutputWriter: @unchecked Sendable {
    private let fd: Int32
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var writing = false
    private var broken = false

    public init(fd: Int32) {
        self.fd = fd
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "aitoearn-rpc.writer"
        thread.start()
    }

    public func enqueue(_ frame: [UInt8]) {
        condition.lock()
        if !broken { queue.append(frame) }
        condition.signal()
        condition.unlock()
    }

    /// Blocks until everything queued so far has been written (or the reader side is gone).
    public func flush() {
        condition.lock()
        while (!queue.isEmpty || writing) && !broken { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var buffer: [UInt8] = []
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let frames = queue
            queue.removeAll(keepingCapacity: true)
            writing = true
            condition.unlock()

            buffer.removeAll(keepingCapacity: true)
            for f in frames { buffer.append(contentsOf: f) }
            let ok = writeAll(fd: fd, buffer)

            condition.lock()
            writing = false
            if !ok {
                // The client closed its end: nothing more can be delivered.
                broken = true
                queue.removeAll()
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
