// The redactor (module Diagnostics). Property: a registered key never appears in what it lets
// out, in any form it knows: as it is, JSON-escaped once and twice (with and without "\/"),
// or inside base64 at any of the three byte alignments; and a URL's userinfo is masked whether
// or not it holds a registered key.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// A key, then segments until the input ends: filler text, or the key in one of its forms.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedactor(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzBytes(data, count)
    let keyLength = 4 + Int(input.byte() % 60)
    let keyText = String(decoding: input.take(keyLength), as: UTF8.self)
    let key = Array(keyText.utf8)
    guard key.count >= 4 else { return 0 }
    let redactor = Redactor()
    redactor.add(keyText)

    let once = Array(JSONValue.string(keyText).serialized().dropFirst().dropLast())
    let twice = Array(JSONValue.string(String(decoding: once, as: UTF8.self)).serialized().dropFirst().dropLast())
    let slashed = once.flatMap { $0 == UInt8(ascii: "/") ? [UInt8(ascii: "\\"), $0] : [$0] }
    var text: [UInt8] = []
    while !input.isAtEnd {
        let op = input.byte()
        switch op % 9 {
        case 0: text += Array(String(decoding: input.take(Int(input.byte() % 32)), as: UTF8.self).utf8)
        case 1: text += key
        case 2: text += once
        case 3: text += twice
        case 4: text += slashed
        case 5, 6, 7:
            // The key inside a longer payload, at a byte offset chosen by the op.
            let before = input.take(Int(op % 9) - 5)
            let after = input.take(Int(input.byte() % 3))
            text += Array((Data(before) + Data(key) + Data(after)).base64EncodedString().utf8)
        default: text += Array("https://user:\(keyText)@example.com/".utf8)
        }
    }
    let out = Array(redactor.redact(String(decoding: text, as: UTF8.self)).utf8)
    for (name, form) in [("plain", key), ("JSON-escaped", once), ("JSON-escaped twice", twice), ("escaped with \\/", slashed)] {
        fuzzCheck(!contains(out, form), "the \(name) key \(keyText.debugDescription) is in the output \(String(decoding: out, as: UTF8.self).debugDescription)")
    }
    // Shorter keys have too few base64 characters of their own to be told from other text.
    if key.count >= 12, let leak = base64Leak(of: key, in: out) {
        fuzzFail("the key \(keyText.debugDescription) is in base64 in the output, at character \(leak): \(String(decoding: out, as: UTF8.self).debugDescription)")
    }
    checkUserInfo(keyText)
    return 0
}

/// A URL's user:password is masked by the text alone, no key registered.
private func checkUserInfo(_ password: String) {
    let stops: Set<Unicode.Scalar> = ["/", " ", "\"", "?", "#", "\n", "@"]
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: password.unicodeScalars.filter { !stops.contains($0) })
    let pw = String(scalars)
    guard !pw.isEmpty else { return }
    let out = Redactor().redact("see https://me:\(pw)@example.com/x")
    fuzzCheck(out == "see https://***@example.com/x", "userinfo with \(pw.debugDescription) masked as \(out.debugDescription)")
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
        if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
    }
    return false
}

/// Where a run of base64 characters in `text`, decoded from any of its four character phases,
/// holds `key`; nil when none does.
private func base64Leak(of key: [UInt8], in text: [UInt8]) -> Int? {
    func isBase64(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2B || b == 0x2F
    }
    var i = 0
    while i < text.count {
        guard isBase64(text[i]) else { i += 1; continue }
        var j = i
        while j < text.count, isBase64(text[j]) { j += 1 }
        for phase in 0..<4 where i + phase < j {
            let whole = (j - i - phase) / 4 * 4
            guard whole >= 4, let decoded = Data(base64Encoded: Data(text[(i + phase)..<(i + phase + whole)])) else { continue }
            if contains(Array(decoded), key) { return i + phase }
        }
        i = j
    }
    return nil
}
