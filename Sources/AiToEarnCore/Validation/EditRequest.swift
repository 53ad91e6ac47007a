import JSONValue

/// The body of an edit job, checked by the service's rules, with its input pictures in the form
/// they are sent: URLs as written, data URIs checked, local files read into data URIs.
public struct EditRequest: Sendable, Equatable {
    /// The fields sent upstream (nulls dropped), `image` and `mask` in their wire forms.
    public var body: JSONObject
    public var model: String
    /// How many `image` entries there are (the mask is not counted).
    public var imageCount: Int
    /// Characters of data URIs in `body`: the service echoes them in every status of the job.
    public var inlineBytes: Int

    public init(body: JSONObject, model: String, imageCount: Int, inlineBytes: Int) {
        self.body = body
        self.model = model
        self.imageCount = imageCount
        self.inlineBytes = inlineBytes
    }

    public static let fields = ["prompt", "model", "image", "mask", "n", "size", "response_format", "user", "source"]

    /// The most data-URI text one request may carry. The service keeps the submitted body whole
    /// with the job, in a MongoDB document of at most 16 MiB, and echoes it in every status: 15 MiB
    /// leaves room for the rest of the job. A 11 MiB file is about 14.7 MiB as a data URI.
    public static let maxInlineBytes = 15 * 1024 * 1024

    /// Reads the upstream fields, reading local files as it goes; nil when any rule is broken
    /// (the issues stay in the reader, each naming its field: `image`, `image[2]`, `mask`, …).
    public static func read(_ r: inout FieldReader) -> EditRequest? {
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
        func resolve(_ path: String, _ text: String) -> String? {
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
        let sentImages = (images?.entries ?? []).compactMap { resolve($0.path, $0.text) }
        let sentMask = mask.flatMap { resolve("mask", $0) }
        guard r.issues.count == before, prompt != nil, let model, let images else { return nil }
        var body = JSONObject()
        for m in r.object where fields.contains(m.key) && m.value != .null { body[m.key] = m.value }
        body["image"] = images.single ? .string(sentImages[0]) : .array(sentImages.map { .string($0) })
        if let sentMask { body["mask"] = .string(sentMask) }
        return EditRequest(body: body, model: model, imageCount: sentImages.count, inlineBytes: inline)
    }

    /// `image`: one string, or a non-empty array of strings; each string entry with the path it is named by.
    private static func readImages(_ r: inout FieldReader) -> (entries: [(path: String, text: String)], single: Bool)? {
        guard let v = r.value("image", required: true) else { return nil }
        switch v {
        case .string(let s):
            return ([("image", s)], true)
        case .array(let items):
            guard !items.isEmpty else { r.fail("image", "must name at least one picture"); return nil }
            var entries: [(path: String, text: String)] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else { r.fail("image[\(i)]", "must be a string, not \(item.typeName)"); continue }
                entries.append(("image[\(i)]", s))
            }
            return (entries, false)
        default:
            r.fail("image", "must be a string or an array of strings, not \(v.typeName)")
            return nil
        }
    }
}
