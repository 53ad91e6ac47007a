#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// The simulator's edit jobs: its edit models, the service's checks of an edit submission, and
/// what the queue worker does later. As on the service, the inputs are only read when the job
/// runs: a data URI that does not decode ends the job `failed` with the worker's own message.
/// URLs are not fetched (the simulator has no network): their text stands in for their bytes.
enum SimulatedEdit {
    /// Names and `maxInputImages`, in the order the edit list gives them.
    /// Every edit model's price, in pretend credits.
    static let price = 8
    static let models: [(name: String, maxInputImages: Int)] = [("sim-edit", 4), ("sim-edit-single", 1)]

    /// The worker's message for a data URI it cannot decode.
    static let invalidDataURI = "Invalid data URI"

    static let modelList: JSONValue = .array(models.map { m in
        let summary = m.maxInputImages == 1 ? "Takes exactly one input image." : "Takes up to \(m.maxInputImages) input images."
        return .object(["name": .string(m.name), "description": .string("Offline simulator edit model. " + summary),
                        "tags": ["simulator"], "sizes": ["1024x1024", "512x512"], "pricing": .string(String(price)),
                        "maxInputImages": .integer(Int64(m.maxInputImages))])
    })

    /// The service's schema check of the body (unknown keys are dropped); nil when it passes,
    /// else the code it answers with.
    static func check(_ body: JSONObject) -> UpstreamCode? {
        guard let prompt = body["prompt"]?.stringValue, (1...ImageRequest.maxPromptLength).contains(prompt.utf16.count),
              let model = body["model"]?.stringValue, !model.isEmpty else { return .validationFailed }
        switch body["image"] {
        case .string?: break
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): break
        default: return .validationFailed
        }
        if let mask = body["mask"], mask != .null, mask.stringValue == nil { return .validationFailed }
        if let n = body["n"], n != .null, n.integerValue != 1 { return .validationFailed }
        if let f = body["response_format"]?.stringValue, !ImageRequest.responseFormats.contains(f) { return .validationFailed }
        if let s = body["source"]?.stringValue, !ImageRequest.sources.contains(s) { return .validationFailed }
        guard models.contains(where: { $0.name == model }) else { return .invalidModel }
        return nil
    }

    /// The body as the service keeps it: its own fields only.
    static func kept(_ body: JSONObject) -> JSONObject {
        var out = JSONObject()
        for m in body where EditRequest.fields.contains(m.key) && m.value != .null { out[m.key] = m.value }
        return out
    }

    /// What the worker makes of the inputs: a seed that differs when any input byte differs, or
    /// the message the job fails with.
    static func work(_ request: JSONObject) -> Result<String, WorkerFailure> {
        var inputs: [JSONValue] = request["image"]?.arrayValue ?? [request["image"] ?? .null]
        if let mask = request["mask"] { inputs.append(mask) }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for input in inputs {
            guard let text = input.stringValue else { return .failure(WorkerFailure(message: invalidDataURI)) }
            let bytes: Data
            if text.prefix(5).lowercased() == "data:" {
                guard let comma = text.firstIndex(of: ","), text[..<comma].lowercased().hasSuffix(";base64"),
                      let decoded = Data(base64Encoded: String(text[text.index(after: comma)...])) else {
                    return .failure(WorkerFailure(message: invalidDataURI))
                }
                bytes = decoded
            } else {
                bytes = Data(text.utf8)
            }
            bytes.withUnsafeBytes { raw in
                for b in raw { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            }
            h = (h ^ 0xFF) &* 0x100_0000_01B3
        }
        return .success(String(h, radix: 16))
    }

    struct WorkerFailure: Error, Equatable {
        var message: String
    }
}
