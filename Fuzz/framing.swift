// The Content-Length and NDJSON framers and the autodetector (module JSONRPC), fed in chunks the
// fuzzer's bytes choose. Properties: no crash; the events do not depend on where the reads cut
// the stream (a pipe may split it anywhere), bar how far past the limit an NDJSON line was seen
// to be; no message is longer than the limit, and an oversized one is reported as longer than
// it; bodies framed as the adapter frames its own output read back as they were. Allocation is
// bounded by libFuzzer's -malloc_limit_mb (scripts/fuzz): a header's promise of a big body must
// not be allocated.

/// The first byte picks the framer, its limit and the mode; the rest are chunk lengths and the
/// stream (raw bytes), or, in round-trip mode, length-prefixed bodies the test frames itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFraming(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzBytes(data, count)
    let choice = input.byte()
    // Small limits reach the oversized paths with small inputs; the adapter's default (16 MiB)
    // checks that a big limit allocates no more than the bytes that came.
    let limits = [1, 7, 64, 1024, 16 << 20]
    let limit = limits[Int(choice >> 3) % limits.count]
    let (lengths, stream) = fuzzChunks(&input)
    switch choice % 8 {
    case 0: check(ContentLengthFramer(maxMessageBytes: limit), stream, lengths, limit)
    case 1: check(NDJSONFramer(maxMessageBytes: limit), stream, lengths, limit)
    case 2: check(AutoFramer(forced: nil, maxMessageBytes: limit), stream, lengths, limit)
    case 3: check(AutoFramer(forced: .lsp, maxMessageBytes: limit), stream, lengths, limit)
    case 4: check(AutoFramer(forced: .ndjson, maxMessageBytes: limit), stream, lengths, limit)
    case 5: roundTrip(ContentLengthFramer(maxMessageBytes: limit), .lsp, stream, lengths, limit)
    case 6: roundTrip(NDJSONFramer(maxMessageBytes: limit), .ndjson, stream, lengths, limit)
    default:
        let kind: FramingKind = choice & 0x80 == 0 ? .lsp : .ndjson
        roundTrip(AutoFramer(forced: nil, maxMessageBytes: limit), kind, stream, lengths, limit)
    }
    return 0
}

/// Bodies framed by `FramingKind.encode`, read back in chunks: each comes out as it went in,
/// or as oversized when it passes the limit (an NDJSON blank line is no message at all).
private func roundTrip<F: Framer>(_ framer: F, _ kind: FramingKind, _ stream: [UInt8], _ lengths: [Int], _ limit: Int) {
    var source = FuzzBytes(stream)
    var bodies: [[UInt8]] = []
    while !source.isAtEnd {
        var body = source.take(Int(source.byte()))
        if kind == .ndjson {
            // A line holds no line break, and the framer takes one CR before the LF as the break's.
            body.removeAll { $0 == 0x0A }
            while body.last == 0x0D { body.removeLast() }
            // The autodetector needs a JSON text's first byte to choose NDJSON.
            if F.self == AutoFramer.self { body.insert(UInt8(ascii: "{"), at: 0) }
        }
        bodies.append(body)
    }
    var expected: [FrameEvent] = []
    for body in bodies {
        if body.count > limit {
            expected.append(.oversized(length: body.count))
        } else if kind == .ndjson, body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            continue
        } else {
            expected.append(.message(body))
        }
    }
    let wire = bodies.flatMap { kind.encode($0) }
    var f = framer
    var events: [FrameEvent] = []
    for piece in split(wire, by: lengths) {
        Array(piece).withUnsafeBufferPointer { f.consume($0) { events.append($0) } }
    }
    // NDJSON reports an oversized line as soon as it passes the limit, not at its full length.
    let normalize = kind == .ndjson ? sized : { $0 }
    fuzzCheck(events.map(normalize) == expected.map(normalize), "\(F.self) over \(kind): \(bodies.count) bodies gave \(describe(events)), not \(describe(expected))")
}

private func check<F: Framer>(_ framer: F, _ stream: [UInt8], _ lengths: [Int], _ limit: Int) {
    var whole = framer
    let once = whole.consume(stream)
    var chunked = framer
    var events: [FrameEvent] = []
    for piece in split(stream, by: lengths) {
        Array(piece).withUnsafeBufferPointer { chunked.consume($0) { events.append($0) } }
    }
    // NDJSON learns a line's length only as it arrives and reports it once it passes the limit,
    // so how far past depends on the reads; that it is oversized does not.
    fuzzCheck(events.map(sized) == once.map(sized), "\(F.self): chunks \(lengths) gave \(events.count) events, one read \(once.count): \(describe(events)) vs \(describe(once))")
    for event in once {
        switch event {
        case .message(let body): fuzzCheck(body.count <= limit, "\(F.self): a \(body.count)-byte message passed the \(limit)-byte limit")
        case .oversized(let length): fuzzCheck(length > limit, "\(F.self): \(length) bytes reported oversized under a \(limit)-byte limit")
        case .malformedHeader: break
        }
    }
}

private func sized(_ e: FrameEvent) -> FrameEvent {
    if case .oversized = e { return .oversized(length: 0) }
    return e
}

private func describe(_ events: [FrameEvent]) -> String {
    events.prefix(8).map { e -> String in
        switch e {
        case .message(let b): return "message(\(b.count))"
        case .oversized(let n): return "oversized(\(n))"
        case .malformedHeader(let r): return "malformed(\(r))"
        }
    }.joined(separator: ", ")
}
