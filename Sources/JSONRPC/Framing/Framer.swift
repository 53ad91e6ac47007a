/// What a framer finds in the byte stream.
package enum FrameEvent: Sendable, Equatable {
    /// A complete message body (not yet parsed as JSON).
    case message([UInt8])
    /// A message longer than the limit; its bytes are being discarded.
    case oversized(length: Int)
    /// A header block that cannot be read; the framer resynchronises on its own.
    case malformedHeader(String)
}

/// A pure byte state machine: bytes in, complete message bodies out, no JSON inside.
package protocol Framer: Sendable {
    /// Feeds bytes and reports every event they complete, in order.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (FrameEvent) -> Void)
}

extension Framer {
    /// Convenience for tests and small inputs.
    package mutating func consume(_ bytes: [UInt8]) -> [FrameEvent] {
        var events: [FrameEvent] = []
        bytes.withUnsafeBufferPointer { consume($0) { events.append($0) } }
        return events
    }
}

/// The two wire framings.
package enum FramingKind: String, Sendable, CaseIterable {
    case lsp, ndjson

    /// Wraps one serialized message for the wire in this framing.
    package func encode(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .lsp: return ContentLengthFramer.encode(body)
        case .ndjson: return NDJSONFramer.encode(body)
        }
    }
}
