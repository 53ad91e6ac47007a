/// A simulated job's logId, 24 lowercase hex digits, held as 12 bytes: thousands of them key the
/// job table without an allocation each.
struct SimulatedLogID: Hashable, Sendable {
    let high: UInt32
    let low: UInt64

    init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Nil unless `text` is 24 lowercase hex digits (the simulator writes no other kind).
    init?(_ text: String) {
        let digits = Array(text.utf8)
        guard digits.count == 24 else { return nil }
        var value: (UInt64, UInt64) = (0, 0)
        for (i, c) in digits.enumerated() {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            if i < 8 { value.0 = value.0 << 4 | UInt64(d) } else { value.1 = value.1 << 4 | UInt64(d) }
        }
        self.init(high: UInt32(value.0), low: value.1)
    }

    var text: String { Self.hex(UInt64(high), digits: 8) + Self.hex(low, digits: 16) }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: digits - s.count) + s
    }
}
