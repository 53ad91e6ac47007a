/// The LSP base protocol: `Content-Length: N` header block, a blank line, then N bytes.
///
/// A header block that cannot be read is reported once, then the framer skips to the next
/// `Content-Length:` (any case), even in the middle of a line, so one bad frame costs one frame.
package struct ContentLengthFramer: Framer {
    package let maxMessageBytes: Int
    /// A header block longer than this is broken: real ones are a few dozen bytes.
    package static let maxHeaderBytes = 8192

    private enum State: Sendable {
        case header
        case body(remaining: Int)
        case discard(remaining: Int)
        case resync(matched: Int)
    }

    private var state: State = .header
    private var header: [UInt8] = []
    private var body: [UInt8] = []
    private var lineStart = 0

    private static let marker: [UInt8] = Array("content-length:".utf8)

    package init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    package mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (FrameEvent) -> Void) {
        var pending: [UInt8] = []
        run(bytes, pending: &pending, emit)
        // Bytes to look at again after a broken header: replayed until none are left.
        while !pending.isEmpty {
            let replay = pending
            pending = []
            replay.withUnsafeBufferPointer { run($0, pending: &pending, emit) }
        }
    }

    private mutating func run(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8], _ emit: (FrameEvent) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .body(let remaining):
                let take = min(remaining, n - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                if take == remaining {
                    emit(.message(body))
                    body = []
                    state = .header
                } else {
                    state = .body(remaining: remaining - take)
                }
            case .discard(let remaining):
                let take = min(remaining, n - i)
                i += take
                state = take == remaining ? .header : .discard(remaining: remaining - take)
            case .resync(var matched):
                let c = bytes[i] | 0x20  // ASCII lower-case; harmless for the marker's ':' and '-'
                i += 1
                if c == Self.marker[matched] {
                    matched += 1
                } else {
                    matched = c == Self.marker[0] ? 1 : 0
                }
                if matched == Self.marker.count {
                    header = Array("Content-Length:".utf8)
                    state = .header
                } else {
                    state = .resync(matched: matched)
                }
            case .header:
                let c = bytes[i]
                i += 1
                header.append(c)
                if c == 0x0A {
                    if let broken = headerLineEnded(emit) {
                        // Look again at everything after the first byte of the broken block.
                        pending = Array(broken.dropFirst()) + Array(UnsafeBufferPointer(rebasing: bytes[i..<n]))
                        return
                    }
                } else if header.count > Self.maxHeaderBytes {
                    let broken = header
                    fail("the header block is longer than \(Self.maxHeaderBytes) bytes", emit)
                    pending = Array(broken.dropFirst()) + Array(UnsafeBufferPointer(rebasing: bytes[i..<n]))
                    return
                }
            }
        }
    }

    /// Called at each LF in the header block; returns the broken block's bytes when it cannot be read.
    private mutating func headerLineEnded(_ emit: (FrameEvent) -> Void) -> [UInt8]? {
        // The block ends with an empty line: LF LF or CRLF CRLF (a lone LF is tolerated).
        if header.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) {
            // Stray blank lines between messages.
            header.removeAll(keepingCapacity: true)
            lineStart = 0
            return nil
        }
        let count = header.count
        let endsBlock = (count >= 2 && header[count - 2] == 0x0A) || (count >= 3 && header[count - 2] == 0x0D && header[count - 3] == 0x0A)
        if !endsBlock {
            // Check each line as it ends, so garbage is rejected without waiting for a blank line.
            if let reason = Self.checkLine(header[lineStart...]) {
                let block = header
                fail(reason, emit)
                return block
            }
            lineStart = header.count
            return nil
        }
        let block = header
        header.removeAll(keepingCapacity: true)
        lineStart = 0
        switch Self.parseHeaderBlock(block) {
        case .failure(let reason):
            fail(reason, emit)
            return block
        case .success(let length):
            if length > maxMessageBytes {
                emit(.oversized(length: length))
                // Past the limit, so never 0: the body is skipped as it arrives.
                state = .discard(remaining: length)
            } else if length == 0 {
                emit(.message([]))
            } else {
                // The buffer grows as bytes arrive: a header's promise is no reason to allocate.
                state = .body(remaining: length)
            }
            return nil
        }
    }

    private mutating func fail(_ reason: String, _ emit: (FrameEvent) -> Void) {
        emit(.malformedHeader(reason))
        header.removeAll(keepingCapacity: true)
        lineStart = 0
        state = .resync(matched: 0)
    }

    private enum HeaderResult { case success(Int), failure(String) }

    private static let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)

    /// Why one header line (with its line break) cannot be read, or nil when it can.
    private static func checkLine(_ raw: ArraySlice<UInt8>) -> String? {
        var line = raw
        while let l = line.last, l == 0x0A || l == 0x0D { line = line.dropLast() }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return "a header line has no ':'" }
        let name = line[line.startIndex..<colon]
        let isToken = !name.isEmpty && name.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) || tokenSymbols.contains(c)
        }
        return isToken ? nil : "a header name is not a token"
    }

    private static func parseHeaderBlock(_ block: [UInt8]) -> HeaderResult {
        var length: Int?
        for rawLine in block.split(separator: 0x0A, omittingEmptySubsequences: true) {
            var line = rawLine
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty { continue }
            if let reason = checkLine(line) { return .failure(reason) }
            let colon = line.firstIndex(of: UInt8(ascii: ":"))!
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            guard name == "content-length" else { continue }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(value) else {
                return .failure("Content-Length is not a number that fits: \(value.prefix(40))")
            }
            length = n
        }
        guard let length else { return .failure("the header block has no Content-Length") }
        return .success(length)
    }

    package static func encode(_ body: [UInt8]) -> [UInt8] {
        var out = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
