/// Chooses the framing from the first non-whitespace byte (`{` or `[` means NDJSON), then keeps it.
package struct AutoFramer: Framer {
    private let maxMessageBytes: Int
    package private(set) var kind: FramingKind?
    private var lsp: ContentLengthFramer
    private var ndjson: NDJSONFramer
    /// Whether the first significant byte has been seen.
    private var started = false

    package init(forced: FramingKind?, maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
        kind = forced
        lsp = ContentLengthFramer(maxMessageBytes: maxMessageBytes)
        ndjson = NDJSONFramer(maxMessageBytes: maxMessageBytes)
    }

    package mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (FrameEvent) -> Void) {
        var rest = bytes
        if !started {
            // What comes before the first message is skipped, forced framing or not.
            guard let i = Self.firstSignificant(bytes) else { return }
            started = true
            if kind == nil { kind = Self.detect(bytes) }
            rest = UnsafeBufferPointer(rebasing: bytes[i...])
        }
        switch kind ?? .lsp {
        case .lsp: lsp.consume(rest, emit)
        case .ndjson: ndjson.consume(rest, emit)
        }
    }

    /// The framing that input starting with these bytes uses, or nil while they are all whitespace.
    package static func detect(_ bytes: UnsafeBufferPointer<UInt8>) -> FramingKind? {
        guard let i = firstSignificant(bytes) else { return nil }
        return bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") ? .ndjson : .lsp
    }

    /// Whitespace, a UTF-8 byte-order mark and NULs before the first message say nothing about
    /// the framing (some clients and shells put them there); they are skipped.
    private static func firstSignificant(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        bytes.firstIndex { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x00 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
    }
}
