import Diagnostics

/// Fresh `X-Request-Id` values: random (version 4) UUIDs in lower case.
///
/// FoundationEssentials' `UUID()` opens, reads and closes /dev/urandom for each one on Linux:
/// three system calls and a file descriptor for every request sent. An id only has to tell
/// requests apart in the service's logs, so a generator seeded once from the system's random
/// source does (xoshiro256**: fast, and never a repeat within any run of this process).
package enum RequestIDs {
    private struct Xoshiro256 {
        var s: (UInt64, UInt64, UInt64, UInt64)

        init() {
            var system = SystemRandomNumberGenerator()
            repeat {
                s = (system.next(), system.next(), system.next(), system.next())
            } while s == (0, 0, 0, 0)
        }

        mutating func next() -> UInt64 {
            let result = rotl(s.1 &* 5, 7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = rotl(s.3, 45)
            return result
        }

        private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
    }

    private static let generator = Locked(Xoshiro256())
    private static let hex = Array("0123456789abcdef".utf8)

    /// A new id, e.g. `3b241101-e2bb-4255-8caf-4136c566a962`.
    package static func next() -> String {
        var (high, low) = generator.withLock { ($0.next(), $0.next()) }
        // RFC 9562: version 4 in the 13th hex digit, variant 10 in the 17th.
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC << 60)) | (0x8 << 60)
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for word in [high, low] {
            for nibble in stride(from: 60, through: 0, by: -4) {
                let position = bytes.count
                if position == 8 || position == 13 || position == 18 || position == 23 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hex[Int((word >> UInt64(nibble)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
