/// One JSON text per line; blank lines are skipped and over-long lines are rejected and skipped.
package struct NDJSONFramer: Framer {
    package let maxMessageBytes: Int
    private var line: [UInt8] = []
    private var discarding = false
    private var discardedLength = 0

    package init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    package mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (FrameEvent) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            // Find the end of the current line in this chunk.
            var j = i
            while j < n, bytes[j] != 0x0A { j += 1 }
            let chunk = UnsafeBufferPointer(rebasing: bytes[i..<j])
            if discarding {
                discardedLength += chunk.count
            } else if line.count + chunk.count > maxMessageBytes {
                discarding = true
                discardedLength = line.count + chunk.count
                line.removeAll(keepingCapacity: false)
                emit(.oversized(length: discardedLength))
            } else {
                line.append(contentsOf: chunk)
            }
            guard j < n else { return }
            finishLine(emit)
            i = j + 1
        }
    }

    private mutating func finishLine(_ emit: (FrameEvent) -> Void) {
        defer { line.removeAll(keepingCapacity: true) }
        if discarding { discarding = false; return }
        if line.last == 0x0D { line.removeLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        emit(.message(line))
    }

    package static func encode(_ body: [UInt8]) -> [UInt8] {
        var out = body
        out.append(0x0A)
        return out
    }
}
