import Testing
@testable import AiToEarnCore

@Suite("Request ids")
struct RequestIDTests {
    @Test("version 4 UUIDs in lower case: 8-4-4-4-12 hex digits, version 4, variant 10")
    func shape() {
        for _ in 0..<1000 {
            let id = RequestIDs.next()
            let parts = id.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || $0 == 0x2D }, "\(id)")
            #expect(parts[2].first == "4", "\(id)")
            #expect("89ab".contains(parts[3].first!), "\(id)")
        }
    }

    @Test("no two alike, across threads")
    func distinct() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2500).map { _ in RequestIDs.next() } } }
            var all: [String] = []
            for await part in group { all += part }
            return all
        }
        #expect(Set(ids).count == 10_000)
    }
}
