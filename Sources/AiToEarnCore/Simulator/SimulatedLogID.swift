
/// A simulated job's logId, 24 lowercase hex digits, held as 12 bytes: thousands of them key the
/// job table without an allocation each.
struct SimulatedLogID: Hashable, Sendable {
    let high: UInt32
    let low: UInt64

    init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Nil unless `text` is a logId in lowercase digits: the simulator writes no other spelling,
    /// so any other is a logId it never gave out.
    init?(_ text: String) {
        guard LogID.isValid(text), !text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }),
              let high = UInt32(text.prefix(8), radix: 16), let low = UInt64(text.dropFirst(8), radix: 16) else { return nil }
        self.init(high: high, low: low)
    }

    var text: String { Self.hex(UInt64(high), digits: 8) + Self.hex(low, digits: 16) }

    /// `value` in lowercase hex, zero-padded to `digits` (what `%08x` and `%016llx` wrote).
    private static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.utf8.count)) + s
    }
}
