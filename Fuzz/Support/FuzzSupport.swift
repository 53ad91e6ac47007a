// Compiled into every fuzz target (scripts/fuzz), inside the module the target tests.

/// A broken property: says which, then traps, so libFuzzer keeps the input as a crash.
func fuzzFail(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("fuzz property broken: \(message())", file: file, line: line)
}

func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fuzzFail(message(), file: file, line: line) }
}

/// The fuzzer's bytes read front to back; past the end every read is zero or empty, so a target
/// never has to reject a short input.
struct FuzzBytes {
    private let bytes: [UInt8]
    private var i = 0

    init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { i >= bytes.count }

    mutating func byte() -> UInt8 {
        guard i < bytes.count else { return 0 }
        defer { i += 1 }
        return bytes[i]
    }

    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, i + max(0, n))
        defer { i = end }
        return Array(bytes[min(i, end)..<end])
    }

    mutating func rest() -> [UInt8] { take(bytes.count - i) }
}

/// Chunk lengths the fuzzer chooses: a count byte, then that many length bytes, used in turn
/// (a length byte of 0 stands for 256, so no chunk is empty unless the stream is).
func fuzzChunks(_ input: inout FuzzBytes) -> (lengths: [Int], stream: [UInt8]) {
    let n = Int(input.byte() % 16)
    let lengths = input.take(n).map { $0 == 0 ? 256 : Int($0) }
    return (lengths.isEmpty ? [Int.max] : lengths, input.rest())
}

/// `stream` cut into consecutive pieces of the given lengths, cycled.
func split(_ stream: [UInt8], by lengths: [Int]) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var start = 0
    var k = 0
    while start < stream.count {
        let end = start + min(lengths[k % lengths.count], stream.count - start)
        out.append(stream[start..<end])
        start = end
        k += 1
    }
    return out
}
