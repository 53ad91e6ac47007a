import JSONValue

/// The body of an edit job, checked by the service's rules, with its input pictures in the form
/// they are sent: URLs as written, data URIs checked, local files read into data URIs.
package struct EditRequest: Sendable, Equatable {
    /// The fields sent upstream (nulls dropped), `image` and `mask` in their wire forms.
    package var body: JSONObject
    package var model: String
    /// How many `image` entries there are (the mask is not counted).
    package var imageCount: Int
    /// Characters of data URIs in `body`: the service echoes them in every status of the job.
    package var inlineBytes: Int

    package init(body: JSONObject, model: String, imageCount: Int, inlineBytes: Int) {
        self.body = body
        self.model = model
        self.imageCount = imageCount
        self.inlineBytes = inlineBytes
    }

    package static let fields = ["prompt", "model", "image", "mask", "n", "size", "response_format", "user", "source"]

    /// The most data-URI text one request may carry. The service keeps the submitted body whole
    /// with the job, in a MongoDB document of at most 16 MiB, and echoes it in every status: 15 MiB
    /// leaves room for the rest of the job. A 11 MiB file is about 14.7 MiB as a data URI.
    package static let maxInlineBytes = 15 * 1024 * 1024

    /// Reads the upstream fields, reading local files as it goes; nil when any rule is broken
    /// (the issues stay in the reader, each naming its field: `image`, `image[2]`, `mask`, …).
    package static func read(_ r: inout FieldReader) -> EditRequest? {
        let before = r.issues.count
        let prompt = ImageRequest.readPrompt(&r)
        let model = r.string("model", required: true, nonEmpty: true)
        if let n = r.value("n"), n.integerValue != 1 {
            r.fail("n", n.integerValue == nil ? "must be the integer 1, not \(n.typeName == "number" ? "a fraction" : n.typeName)"
                : "must be 1: the service makes one picture per edit job")
        }
        _ = r.string("size")
        _ = r.oneOf("response_format", ImageRequest.responseFormats)
        _ = r.string("user")
        _ = r.oneOf("source", ImageRequest.sources)
        let images = readImages(&r)
        let mask = r.string("mask")
        // Every input is checked (local files read) even when other params are wrong: one answer lists every problem.
        var inline = 0
        let sentImages = (images?.entries ?? []).compactMap { resolveInput(&r, path: $0.path, text: $0.text, inline: &inline) }
        let sentMask = mask.flatMap { resolveInput(&r, path: "mask", text: $0, inline: &inline) }
        guard r.issues.count == before, prompt != nil, let model, let images else { return nil }
        var body = JSONObject()
        for m in r.object where fields.contains(m.key) && m.value != .null { body[m.key] = m.value }
        body["image"] = images.single ? .string(sentImages[0]) : .array(sentImages.map { .string($0) })
        if let sentMask { body["mask"] = .string(sentMask) }
        return EditRequest(body: body, model: model, imageCount: sentImages.count, inlineBytes: inline)
    }

    /// One input picture in its wire form (a local file read, a data URI checked), `inline` counting
    /// the data-URI characters so far against `maxInlineBytes`; nil, with the issue recorded, when it cannot be used.
    static func resolveInput(_ r: inout FieldReader, path: String, text: String, inline: inout Int) -> String? {
        let input: ImageInput
        switch ImageInput.parse(text) {
        case .success(let i): input = i
        case .failure(let p): r.fail(path, p.message); return nil
        }
        switch input.wireForm(inlineLeft: maxInlineBytes - inline) {
        case .success(let wire):
            if case .url = input { return wire }
            inline += wire.utf8.count
            guard inline <= maxInlineBytes else { r.fail(path, ImageInput.inlineProblem().message); return nil }
            return wire
        case .failure(let p):
            r.fail(path, p.message)
            return nil
        }
    }

    /// `image`: one string, or a non-empty array of strings; each string entry with the path it is named by.
    static func readImages(_ r: inout FieldReader, field: String = "image",
                           required: Bool = true) -> (entries: [(path: String, text: String)], single: Bool)? {
        guard let v = r.value(field, required: required) else { return nil }
        switch v {
        case .string(let s):
            return ([(field, s)], true)
        case .array(let items):
            guard !items.isEmpty else { r.fail(field, "must name at least one picture"); return nil }
            var entries: [(path: String, text: String)] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else { r.fail("\(field)[\(i)]", "must be a string, not \(item.typeName)"); continue }
                entries.append(("\(field)[\(i)]", s))
            }
            return (entries, false)
        default:
            r.fail(field, "must be a string or an array of strings, not \(v.typeName)")
            return nil
        }
    }
}
