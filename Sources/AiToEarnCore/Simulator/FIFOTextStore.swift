/// Byte strings released in the order they were added, kept in 64 KiB slabs: a slab goes back
/// whole once everything in it is released. Thousands of small texts that live for minutes
/// would otherwise sit in small blocks all over the heap, between short-lived ones, and keep its
/// pages from ever going back to the system.
struct FIFOTextStore {
    /// Where one text is: its slab (counted from the first ever made), offset and length.
    struct Ref {
        fileprivate let slab: Int
        fileprivate let start: Int32
        let count: Int32
    }

    static var slabSize: Int { 64 << 10 }

    private var slabs: [[UInt8]] = []
    /// Texts not yet released, per slab.
    private var live: [Int] = []
    /// The number of the slab at `slabs[0]`.
    private var first = 0
    /// Bytes of the texts not yet released.
    private(set) var bytes = 0

    mutating func append(_ text: [UInt8]) -> Ref {
        if slabs.isEmpty || slabs[slabs.count - 1].count + text.count > Self.slabSize {
            var slab: [UInt8] = []
            slab.reserveCapacity(max(Self.slabSize, text.count))
            slabs.append(slab)
            live.append(0)
        }
        let i = slabs.count - 1
        let start = slabs[i].count
        slabs[i].append(contentsOf: text)
        live[i] += 1
        bytes += text.count
        return Ref(slab: first + i, start: Int32(start), count: Int32(text.count))
    }

    /// A copy: a slice would keep the slab shared, and the next append would copy it whole.
    subscript(ref: Ref) -> [UInt8] {
        let start = Int(ref.start)
        return Array(slabs[ref.slab - first][start..<(start + Int(ref.count))])
    }

    /// Releases a text; slabs at the front with nothing left in them go (but not the one being filled).
    mutating func release(_ ref: Ref) {
        live[ref.slab - first] -= 1
        bytes -= Int(ref.count)
        var drop = 0
        while drop < slabs.count - 1 && live[drop] == 0 { drop += 1 }
        if drop > 0 {
            slabs.removeFirst(drop)
            live.removeFirst(drop)
            first += drop
        }
    }

    var slabCount: Int { slabs.count }
}
