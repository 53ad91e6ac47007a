import Foundation
import JSONValue

/// The `--trace-file` writer: one JSON line per protocol message or HTTP exchange, secrets redacted.
public final class TraceRecorder: Sendable {
    private let sink: LineSink
    private let redactor: Redactor
    private let start = DispatchTime.now().uptimeNanoseconds

    public init(sink: LineSink, redactor: Redactor) {
        self.sink = sink
        self.redactor = redactor
    }

    /// Records an event; `fields` are merged after `ts` and `dir`.
    public func record(direction: String, _ fields: JSONObject) {
        var o = JSONObject()
        o["ts"] = .integer(Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000))
        o["dir"] = .string(direction)
        for m in fields { o[m.key] = m.value }
        sink.write(redactor.redact(JSONValue.object(o).serializedString()))
    }
}
