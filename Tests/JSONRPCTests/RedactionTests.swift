#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue
import Testing
@testable import Diagnostics
@testable import JSONRPC
import JSONRPCTestSupport

/// A key with every character JSON escaping touches.
private let key = #"sk-"q"\x-1234567890"#
/// The key as it appears inside a JSON string.
private let escapedKey = #"sk-\"q\"\\x-1234567890"#

/// Base64 text made only of the key's bytes (the groups that do not mix in a neighbour), for the
/// key starting at each of the three byte alignments: any 8 characters of it in the output leak
/// part of the key.
private let base64KeyRuns: [String] = (0..<3).map { offset in
    let bytes = [UInt8](repeating: 0x41, count: offset) + Array(key.utf8)
    let encoded = Array(Data(bytes).base64EncodedString().utf8)
    let firstGroup = (offset + 2) / 3
    let endGroup = (offset + key.utf8.count) / 3
    return String(decoding: encoded[(firstGroup * 4)..<(endGroup * 4)], as: UTF8.self)
}

/// What of the key the output shows, in any form; empty when nothing.
private func leaks(in output: [UInt8]) -> [String] {
    let text = String(decoding: output, as: UTF8.self)
    var found: [String] = []
    if text.contains("1234567890") { found.append("the key's digits") }
    for run in base64KeyRuns {
        let chars = Array(run)
        for start in 0...(chars.count - 8) where text.contains(String(chars[start..<(start + 8)])) {
            found.append("base64 of the key: \(String(chars[start..<(start + 8)]))")
            break
        }
    }
    // Decoded, every string value too (one level of escaping, or two).
    func strings(_ v: JSONValue) -> [String] {
        switch v {
        case .string(let s): return [s]
        case .array(let a): return a.flatMap(strings)
        case .object(let o): return o.flatMap { [$0.key] + strings($0.value) }
        default: return []
        }
    }
    for message in Wire.messages(output) {
        for s in strings(message) where s.contains(key) || s.contains(escapedKey) {
            found.append("a string value: \(s)")
        }
    }
    return found
}

@Suite("Redactor")
struct RedactorTests {
    @Test("a key's forms: as it is, JSON-escaped once and twice, and base64 at each byte alignment")
    func forms() {
        let forms = Redactor.forms(of: key).map { String(decoding: $0, as: UTF8.self) }
        let twice = #"sk-\\\"q\\\"\\\\x-1234567890"#
        #expect(forms == [key, escapedKey, twice, "c2stInEiXHgtMTIzNDU2Nzg5", "LSJxIlx4LTEyMzQ1Njc4", "ay0icSJceC0xMjM0NTY3ODkw"])
        // Each base64 form is the part of that alignment made only of the key's bytes.
        #expect(Array(forms.suffix(3)) == base64KeyRuns)
    }

    @Test("a key with slashes also has its slash-escaped form")
    func slashForm() {
        let forms = Redactor.forms(of: "ab/cd/ef").map { String(decoding: $0, as: UTF8.self) }
        #expect(forms.contains("ab/cd/ef"))
        #expect(forms.contains(#"ab\/cd\/ef"#))
    }

    @Test("every form is masked wherever it occurs; short secrets are ignored")
    func redactBytes() {
        let r = Redactor()
        r.add(key)
        r.add("abc")
        let payloads: [String] = [
            "plain \(key) twice \(key).",
            "escaped \(escapedKey)",
            "base64 " + Data(Array(key.utf8)).base64EncodedString(),
            "shifted " + Data(Array("x".utf8) + Array(key.utf8)).base64EncodedString(),
            "shifted twice " + Data(Array("xy".utf8) + Array(key.utf8) + Array("z".utf8)).base64EncodedString(),
        ]
        for p in payloads {
            let out = r.redact(Array(p.utf8))
            #expect(leaks(in: out).isEmpty, "\(p) → \(String(decoding: out, as: UTF8.self))")
            #expect(String(decoding: out, as: UTF8.self).contains(Redactor.mask))
        }
        #expect(r.redact("abc and abcd") == "abc and abcd")
        #expect(Redactor().redact(Array("nothing known".utf8)) == Array("nothing known".utf8))
    }

    @Test("a mask next to what followed a key never spells the key again (found by Fuzz/redactor.swift)",
          arguments: ["*\n\0\0", "*ab1", "**x*", "***9"])
    func maskNeverSpellsTheKey(secret: String) {
        let r = Redactor()
        r.add(secret)
        let tail = String(secret.dropFirst())
        for text in [secret + tail, "**" + secret + tail + tail, secret + secret.dropFirst(2), "x" + secret + tail + "y"] {
            let out = String(decoding: r.redact(Array(text.utf8)), as: UTF8.self)
            #expect(!out.contains(secret), "\(text.debugDescription) → \(out.debugDescription)")
        }
    }

    @Test("redact(text) masks a URL's user:password", arguments: [
        ("proxy https://user:p4ss@proxy.example:8080/path?q=1", "proxy https://***@proxy.example:8080/path?q=1"),
        ("socks5://only-user@h", "socks5://***@h"),
        ("two: http://a:b@one/x and https://c:d@two#f", "two: http://***@one/x and https://***@two#f"),
        ("\"url\":\"https://u:p@host\"", "\"url\":\"https://***@host\""),
        ("no userinfo: https://host/path@x", "no userinfo: https://host/path@x"),
        ("mail me@example.com", "mail me@example.com"),
        ("https://p@ss:w@rd@host/", "https://***@host/"),
        // U+0603 joins the character after it: "@" must still be seen (found by Fuzz/redactor.swift).
        ("see https://me:pw\u{0603}@example.com/x", "see https://***@example.com/x"),
        ("https://u:\u{0600}\u{0603}@h/ and http://a:b\u{0301}@c", "https://***@h/ and http://***@c"),
    ])
    func maskURLUserInfo(text: String, masked: String) {
        #expect(Redactor().redact(text) == masked)
    }

    @Test("redact(text) does both: the URL's userinfo and the known secrets")
    func redactTextBoth() {
        let r = Redactor()
        r.add("hunter2-secret")
        #expect(r.redact("https://u:pw@h/ and hunter2-secret") == "https://***@h/ and ***")
    }

    @Test("maskSecretMembers masks secret-named members in text that is not JSON", arguments: [
        (#"{"apiKey": "sk-abc\"def", "model": "m", "broken"#, #"{"apiKey": "***", "model": "m", "broken"#),
        (#"{"X-Api-Key":"k1","api_key" : "k2","client_secret":"k3","Password":"k4"} trailing"#,
         #"{"X-Api-Key":"***","api_key" : "***","client_secret":"***","Password":"***"} trailing"#),
        (#"{"authorization": "Bearer x", "key": "not a secret name", "n": 1"#,
         #"{"authorization": "***", "key": "not a secret name", "n": 1"#),
        (#"{"password":"unterminated"#, #"{"password":"***""#),
        (#"{"apiKey": 12, "password": null}"#, #"{"apiKey": 12, "password": null}"#),
        ("no quotes at all", "no quotes at all"),
    ])
    func maskSecretMembers(text: String, masked: String) {
        #expect(Redactor.maskSecretMembers(text) == masked)
    }

    @Test("secret member names")
    func secretNames() {
        for name in ["apiKey", "api_key", "X-Api-Key", "APIKEY", "client_secret", "Password", "authorization", "proxyPassword"] {
            #expect(Redactor.isSecretName(name), "\(name)")
        }
        for name in ["key", "model", "tokens", "apiKeys", "author"] {
            #expect(!Redactor.isSecretName(name), "\(name)")
        }
    }
}

@Suite("Engine redaction")
struct EngineRedactionTests {
    enum Leak: MethodName { static let name = "leak" }

    /// `leak` {as, text}: answers `text`, or fails with it as the message or the data, or notifies it.
    private static var methods: MethodTable {
        var t = MethodTable.standard()
        t.add(Fn<Leak> { params, context in
            let text = params?["text"] ?? .null
            switch params?["as"]?.stringValue {
            case "message": throw RPCError(.invalidParams, "bad key \(text.stringValue ?? "")")
            case "data": throw RPCError(.internalError, "failed", data: ["sent": text])
            case "notification":
                context.notify("test/leak", ["text": text])
                return "notified"
            default: return ["text": text]
            }
        })
        return t
    }

    /// The key in every form a method could hold it.
    private static let texts: [String] = [
        key,
        "key=\(key);",
        escapedKey,
        #"{"apiKey":"\#(escapedKey)"}"#,
        Data(Array(key.utf8)).base64EncodedString(),
        "data:" + Data(Array("x".utf8) + Array(key.utf8)).base64EncodedString(),
        "data:" + Data(Array("xy".utf8) + Array(key.utf8) + Array("!".utf8)).base64EncodedString(),
    ]

    @Test("a key in a result, an error message, error data or a notification never reaches the output",
          arguments: [FramingKind.ndjson, .lsp], ["result", "message", "data", "notification"])
    func neverInOutput(framing: FramingKind, way: String) async {
        await Self.check(framing: framing, way: way, texts: Self.texts)
    }

    @Test("a key in a result, an error message, error data or a notification never reaches the output (forms the serializer does not escape again)",
          arguments: [FramingKind.ndjson, .lsp], ["result", "message", "data", "notification"])
    func neverInOutputSingleEscape(framing: FramingKind, way: String) async {
        await Self.check(framing: framing, way: way, texts: Self.texts.filter { !$0.contains(escapedKey) })
    }

    private static func check(framing: FramingKind, way: String, texts: [String]) async {
        let redactor = Redactor()
        redactor.add(key)
        let e = Engine(framing: framing, redactor: redactor, methods: methods).running()
        let lines = texts.enumerated().map { rpc(.integer(Int64($0.offset)), "leak", ["as": .string(way), "text": .string($0.element)]) }
        switch framing {
        case .ndjson: e.send(lines: lines)
        case .lsp: e.input.feed(lines.map(lspFrame).joined())
        }
        let m = await e.waitForResponses((0..<texts.count).map { .integer(Int64($0)) })
        #expect(Wire.frames(e.output.written) != nil, "frames stay well formed after masking")
        #expect(m.allSatisfy { $0["unparseable"] == nil }, "every message is still JSON")
        for (i, text) in texts.enumerated() {
            let id = JSONValue.integer(Int64(i))
            let related = m.filter { $0.id == id || $0["params"]?["text"] != nil && way == "notification" }
            var bytes: [UInt8] = []
            for r in related { bytes += r.serialized() + [0x0A] }
            #expect(leaks(in: bytes).isEmpty, "\(way) \(text): \(leaks(in: bytes)) in \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(leaks(in: e.output.written).isEmpty, "\(leaks(in: e.output.written))")
        #expect(e.text.contains(Redactor.mask))
        await e.finish()
    }

    @Test("the key in a method name or learned during initialize is masked too")
    func inlineAndLearned() async {
        let redactor = Redactor()
        let e = Engine(redactor: redactor)
        e.setHooks { h in
            h.initialize = { params in
                let k = params?["initializationOptions"]?["apiKey"]?.stringValue ?? ""
                redactor.add(k)
                return ["echo": .string(k)]
            }
        }
        e.start()
        e.send(rpc(1, "initialize", ["initializationOptions": ["apiKey": .string(key)]]), rpc(2, key), rpc(3, "echo", ["k": .string(key)]))
        let m = await e.waitForResponses([1, 2, 3])
        #expect(m.response(to: 1)?.result == ["echo": "***"])
        #expect(m.response(to: 2)?.errorCode == -32601)
        #expect(m.response(to: 3)?.result == ["k": "***"])
        #expect(leaks(in: e.output.written).isEmpty)
        await e.finish()
    }

    @Test("the trace never holds the key: messages, secret-named members and unparsed input")
    func trace() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rpc-trace-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try #require(LineSink.file(path: path))
        let redactor = Redactor()
        redactor.add(key)
        let e = Engine(redactor: redactor, trace: TraceRecorder(sink: sink, redactor: redactor), methods: Self.methods).running()
        // An unknown secret-named member is masked by name, a known key by value, broken input by pattern.
        let other = "other-secret-0987"
        e.send(rpc(1, "initialize", ["initializationOptions": ["apiKey": .string(other)]]),
               rpc(2, "leak", ["text": .string(key)]),
               #"{"jsonrpc":"2.0","id":3,"method":"x","params":{"password":"\#(other)","k":"\#(escapedKey)"}"#)
        await e.waitForResponses([1, 2, .null])
        await e.finish()
        let trace = try String(contentsOfFile: path, encoding: .utf8)
        #expect(leaks(in: Array(trace.utf8)).isEmpty, "\(trace)")
        #expect(!trace.contains(other), "\(trace)")
        #expect(trace.split(separator: "\n").count >= 6, "\(trace)")
    }
}
