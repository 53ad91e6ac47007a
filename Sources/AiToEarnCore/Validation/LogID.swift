/// A logId is a MongoDB ObjectId: 24 hexadecimal characters.
package enum LogID {
    package static func isValid(_ s: String) -> Bool {
        s.utf8.count == 24 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }

    package static func read(_ r: inout FieldReader) -> String? {
        guard let id = r.string("logId", required: true) else { return nil }
        guard isValid(id) else { r.fail("logId", "must be 24 hexadecimal characters (the logId a generation returned)"); return nil }
        return id
    }
}
