/// A JSON object that keeps its members in the order they were written, so pass-through stays verbatim.
package struct JSONObject: Sendable, Hashable, Sequence {
    package struct Member: Sendable, Hashable {
        package var key: String
        package var value: JSONValue
    }

    package private(set) var members: [Member]

    package init() { members = [] }

    package init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        if pairs.count <= 16 {
            for (k, v) in pairs { self[k] = v }
            return
        }
        // Large objects (hostile input included) are built in linear time.
        var index: [String: Int] = [:]
        index.reserveCapacity(pairs.count)
        for (k, v) in pairs {
            if let i = index[k] { members[i].value = v } else {
                index[k] = members.count
                members.append(Member(key: k, value: v))
            }
        }
    }

    /// Members as the parser read them: a repeated key keeps its first place and takes the last
    /// value, as `init(_:)` does, without the tuple array and per-member lookup it pays.
    static func parsed(_ members: [Member]) -> JSONObject {
        if members.count > 16 || repeatsAKey(members) { return JSONObject(members.map { ($0.key, $0.value) }) }
        var object = JSONObject()
        object.members = members
        return object
    }

    private static func repeatsAKey(_ members: [Member]) -> Bool {
        guard members.count > 1 else { return false }
        for i in 1..<members.count {
            for j in 0..<i where members[j].key == members[i].key { return true }
        }
        return false
    }

    /// Members whose keys the caller knows to be distinct (a message being built), kept as
    /// given without the duplicate check each insertion would make.
    package init(distinctKeys pairs: KeyValuePairs<String, JSONValue>) {
        members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    /// Appends a member whose key the object does not have yet (the caller knows).
    package mutating func append(distinctKey key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    package var count: Int { members.count }
    package var isEmpty: Bool { members.isEmpty }
    package var keys: [String] { members.map(\.key) }

    /// Last write wins for duplicate keys, as most JSON parsers do.
    package subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Order-insensitive equality: two objects with the same members are the same JSON.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for m in lhs.members where rhs[m.key] != m.value { return false }
        return true
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for key in keys.sorted() { hasher.combine(key) }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
