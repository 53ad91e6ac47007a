// The JSON parser (module JSONValue). Property: whatever it accepts, serialized and parsed
// again, is the same value, and the serialization is a fixed point (serialize → parse →
// serialize gives the same bytes), sorted keys or not. Whatever it refuses, it refuses with an
// offset inside the input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        fuzzCheck(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside \(bytes.count) bytes")
        return 0
    }
    for sorted in [false, true] {
        let text = value.serialized(sortedKeys: sorted)
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            fuzzFail("the serialization of an accepted value is refused (\(error)): \(String(decoding: text, as: UTF8.self))")
        }
        fuzzCheck(again == value, "round trip changed the value: \(value) became \(again)")
        fuzzCheck(again.serialized(sortedKeys: sorted) == text, "serialization is not a fixed point: \(String(decoding: text, as: UTF8.self))")
    }
    return 0
}
