import Testing
import JSONValue

@Suite("JSON value")
struct JSONValueTests {
    @Test("integers, big ids and fractions round-trip exactly", arguments: [
        "7", "\"7\"", "123456789012", "123456789012345678901234567890", "1e400", "1.777777777777777777777", "-0.0", "-9223372036854775808", "9223372036854775807", "1.5", "-0.25", "1e-05",
        "null", "true", "[]", "{}", "{\"a\":[1,{\"b\":null}],\"c\":\"\\u0000\\n\\\"\"}", "\"é🦊\"",
    ])
    func roundTrip(text: String) throws {
        let v = try JSONParser.parse(text)
        #expect(v.serializedString() == text)
    }

    @Test("integers and floats stay distinct")
    func distinct() throws {
        #expect(try JSONParser.parse("7") == .integer(7))
        #expect(try JSONParser.parse("7.0") == .double(7))
        #expect(try JSONParser.parse("18446744073709551616") == .numberLiteral("18446744073709551616"))
        #expect(try JSONParser.parse("1e400") == .numberLiteral("1e400"))
        #expect(try JSONParser.parse("1.10") == .numberLiteral("1.10"))
        #expect(try JSONParser.parse("2.5") == .double(2.5))
    }

    @Test("member order is kept")
    func order() throws {
        #expect(try JSONParser.parse("{\"z\":1,\"a\":2}").serializedString() == "{\"z\":1,\"a\":2}")
    }

    @Test("a repeated key keeps its first place and takes the last value, in small and large objects", arguments: [3, 40])
    func repeatedKeys(size: Int) throws {
        var text = "{"
        for i in 0..<size { text += "\"k\(i)\":\(i)," }
        text += "\"k0\":\"last\",\"k1\":{\"a\":1,\"a\":2}}"
        let o = try #require(try JSONParser.parse(text).objectValue)
        #expect(o.count == size)
        #expect(o.keys == (0..<size).map { "k\($0)" })
        #expect(o["k0"] == "last")
        #expect(o["k1"] == ["a": 2])
        #expect(o["k1"]?.objectValue?.count == 1)
    }

    @Test("hostile input is rejected, not crashed on", arguments: [
        String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000),
        "{\"a\":1", "[1,]", "01", "1.", "-", "\"\\x\"", "\"\u{01}\"", "tru", "{} x", "", "[\"\\ud800\"",
    ])
    func rejects(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("invalid UTF-8 is a parse error")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test("a 10,000-digit integer is kept digit for digit")
    func hugeNumber() throws {
        let digits = String(repeating: "9", count: 10_000)
        let v = try JSONParser.parse(digits)
        #expect(v.serializedString() == digits)
        #expect(v.integerValue == nil)
    }

    @Test("lone surrogates become U+FFFD")
    func surrogates() throws {
        #expect(try JSONParser.parse("\"\\ud800x\"") == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse("\"\\ud83e\\udd8a\"") == .string("🦊"))
    }
}

@Suite("JSON serialization")
struct JSONSerializationTests {
    @Test("strings: runs without escapes around every escape, at the start, the end and back to back")
    func escapes() throws {
        let cases: [(String, String)] = [
            ("", #""""#), ("plain", #""plain""#), ("\"", #""\"""#), ("a\"b", #""a\"b""#),
            ("\\\\", #""\\\\""#), ("\n\r\t", #""\n\r\t""#), ("x\u{01}y\u{1F}", #""x\u0001y\u001f""#),
            ("grüße ✓ 😀", "\"grüße ✓ 😀\""), ("/", #""/""#), ("end\n", #""end\n""#),
        ]
        for (text, json) in cases {
            #expect(JSONValue.string(text).serializedString() == json, "\(text.debugDescription)")
            #expect(try JSONParser.parse(Array(json.utf8)) == .string(text))
        }
        // A string that is not contiguous UTF-8 in memory (bridged, or a substring's copy) too.
        let long = String(repeating: "ab\"", count: 1000)
        #expect(JSONValue.string(long).serializedString() == "\"" + String(repeating: "ab\\\"", count: 1000) + "\"")
    }

    @Test("integers: zero, signs and both extremes, digit for digit")
    func integers() {
        for i: Int64 in [0, 7, -7, 10, -10, 123_456_789_012, .max, .min, .min + 1] {
            #expect(JSONValue.integer(i).serializedString() == String(i))
        }
    }

    @Test("messages built with distinct keys serialize in the order given")
    func builders() {
        let o = JSONObject(distinctKeys: ["b": 1, "a": 2])
        var p = o
        p.append(distinctKey: "c", 3)
        #expect(JSONValue.object(p).serializedString() == #"{"b":1,"a":2,"c":3}"#)
        #expect(p["a"] == 2 && p.count == 3)
    }
}
