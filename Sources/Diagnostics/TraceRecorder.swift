import JSONValue

/// The `--trace-file` writer: one JSON line per protocol message or HTTP exchange, secrets redacted.
package final class TraceRecorder: Sendable {
    private let sink: LineSink
    private let redactor: Redactor
    private let start = monotonicNanoseconds()

    package init(sink: LineSink, redactor: Redactor) {
        self.sink = sink
        self.redactor = redactor
    }

    /// Records an event; `fields` are merged after `ts` and `dir`.
    package func record(direction: String, _ fields: JSONObject) {
        var o = JSONObject()
        o["ts"] = .integer(Int64((monotonicNanoseconds() - start) / 1_000_000))
        o["dir"] = .string(direction)
        for m in fields { o[m.key] = Self.maskSecrets(m.value) }
        sink.write(redactor.redact(JSONValue.object(o).serializedString()))
    }

    /// Input that is not JSON: secret-named members masked by pattern, then cut to 4 KiB.
    package func recordUnparsed(_ bytes: [UInt8]) {
        let text = Redactor.maskSecretMembers(redactor.redact(String(decoding: bytes, as: UTF8.self)))
        record(direction: "recv", ["raw": .string(clip(text, toBytes: 4096))])
    }

    /// `text` redacted first, then cut: a cut must never leave part of a secret behind.
    package func clip(_ text: String, toBytes limit: Int) -> String {
        let clean = redactor.redact(text)
        guard clean.utf8.count > limit else { return clean }
        return String(decoding: clean.utf8.prefix(limit), as: UTF8.self)
    }

    /// Blanks members whose names say they hold a secret: a key may be traced before anyone
    /// knows it is one (the `initialize` that carries it, for instance).
    static func maskSecrets(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out = JSONObject()
            for m in o {
                out[m.key] = Redactor.isSecretName(m.key) && m.value != .null ? .string(Redactor.mask) : maskSecrets(m.value)
            }
            return .object(out)
        case .array(let a):
            return .array(a.map(maskSecrets))
        default:
            return v
        }
    }
}
