import JSONValue

/// The body of a generation job, checked by the service's own rules before any request is spent.
package struct ImageRequest: Sendable, Equatable {
    /// The fields sent upstream, as the caller wrote them (nulls dropped).
    package var body: JSONObject
    /// The model asked for (the simulator decides by it).
    package var model: String

    package init(body: JSONObject, model: String) {
        self.body = body
        self.model = model
    }

    package static let fields = ["prompt", "model", "n", "quality", "response_format", "size", "style", "user", "source"]
    package static let responseFormats = ["url", "b64_json"]
    package static let sources = ["ai_image", "ai_draft_generation", "plugin"]
    /// The service counts length as JavaScript does: UTF-16 code units.
    package static let maxPromptLength = 4000

    /// Reads `prompt` by the service's rule: 1 to 4000 UTF-16 code units.
    static func readPrompt(_ r: inout FieldReader) -> String? {
        guard let p = r.string("prompt", required: true) else { return nil }
        let length = p.utf16.count
        if length < 1 || length > maxPromptLength {
            r.fail("prompt", "must be 1 to \(maxPromptLength) characters long (UTF-16 code units), not \(length)")
        }
        return p
    }

    /// Reads the upstream fields from `reader`; nil when any rule is broken (the issues stay in the reader).
    package static func read(_ r: inout FieldReader) -> ImageRequest? {
        let before = r.issues.count
        let prompt = readPrompt(&r)
        let model = r.string("model", required: true, nonEmpty: true)
        _ = r.integer("n", in: 1...10)
        _ = r.string("quality")
        _ = r.oneOf("response_format", responseFormats)
        _ = r.string("size")
        _ = r.string("style")
        _ = r.string("user")
        _ = r.oneOf("source", sources)
        guard r.issues.count == before, prompt != nil, let model else { return nil }
        var body = JSONObject()
        for m in r.object where fields.contains(m.key) && m.value != .null { body[m.key] = m.value }
        return ImageRequest(body: body, model: model)
    }
}
