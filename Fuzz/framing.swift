// The Content-Length and NDJSON framers and the autodetector (module JSONRPC), fed in chunks the
// fuzzer's bytes choose. Properties: no crash; the events do not depend on where the reads cut
// the stream (a pipe may split it anywhere), bar how far past the limit an NDJSON line was seen
// to be; no message is longer than the limit, and an oversized one is reported as longer than
// it. Allocation is bounded by libFuzzer's -malloc_limit_mb (scripts/fuzz): a header's promise
// of a big body must not be allocated.

/// The first byte picks the framer and its limit; the rest are chunk lengths and the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFraming(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzBytes(data, count)
    let choice = input.byte()
    // Small limits reach the oversized paths with small inputs; the adapter's default (16 MiB)
    // checks that a big limit allocates no more than the bytes that came.
    let limits = [1, 7, 64, 1024, 16 << 20]
    let limit = limits[Int(choice >> 3) % limits.count]
    let (lengths, stream) = fuzzChunks(&input)
    switch choice % 4 {
    case 0: check(ContentLengthFramer(maxMessageBytes: limit), stream, lengths, limit)
    case 1: check(NDJSONFramer(maxMessageBytes: limit), stream, lengths, limit)
    case 2: check(AutoFramer(forced: nil, maxMessageBytes: limit), stream, lengths, limit)
    default: check(AutoFramer(forced: choice & 4 == 0 ? .lsp : .ndjson, maxMessageBytes: limit), stream, lengths, limit)
    }
    return 0
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
