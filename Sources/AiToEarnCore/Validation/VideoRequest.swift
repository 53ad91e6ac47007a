import JSONValue

/// The body of a video job, checked by the service's schema rules, its pictures in their wire
/// forms (URLs as written, data URIs checked, local files read into data URIs). What the model
/// list says (modes, resolutions, …) is checked later, by `VideoModelRules`.
package struct VideoRequest: Sendable, Equatable {
    /// The fields sent upstream (nulls dropped).
    package var body: JSONObject
    package var model: String
    /// Pictures given in `image`, `image_tail` and `images` together.
    package var imageCount: Int
    package var videoCount: Int
    package var audioCount: Int

    package init(body: JSONObject, model: String, imageCount: Int = 0, videoCount: Int = 0, audioCount: Int = 0) {
        self.body = body
        self.model = model
        self.imageCount = imageCount
        self.videoCount = videoCount
        self.audioCount = audioCount
    }

    package static let fields = ["model", "prompt", "image", "image_tail", "images", "videos", "audios", "video_url", "mode",
                                "resolution", "ratio", "size", "duration", "seed", "watermark", "tools", "metadata", "groupId", "source"]
    package static let sources = ["ai_video", "ai_draft_generation", "plugin"]

    /// Reads the upstream fields, reading local pictures as it goes; nil when any rule is broken.
    package static func read(_ r: inout FieldReader) -> VideoRequest? {
        let before = r.issues.count
        let prompt = ImageRequest.readPrompt(&r)
        let model = r.string("model", required: true, nonEmpty: true)
        for key in ["mode", "resolution", "ratio", "size"] { _ = r.string(key, nonEmpty: true) }
        if let d = r.value("duration") {
            if (number(d) ?? 0) <= 0 { r.fail("duration", "must be a positive number of seconds") }
        }
        _ = r.integer("seed", in: Int64.min...Int64.max)
        _ = r.bool("watermark")
        _ = r.string("groupId", nonEmpty: true)
        _ = r.oneOf("source", sources)
        if let m = r.value("metadata"), m.objectValue == nil { r.fail("metadata", "must be an object, not \(m.typeName)") }
        readTools(&r)
        let image = EditRequest.readImages(&r, field: "image", required: false)
        let tail = r.string("image_tail", nonEmpty: true)
        let images = readStrings(&r, "images")
        let videos = readStrings(&r, "videos")
        let audios = readStrings(&r, "audios")
        if let v = r.string("video_url", nonEmpty: true), !isHTTPURL(v) { r.fail("video_url", "must be an http(s) URL") }
        for (i, v) in (videos ?? []).enumerated() where !isHTTPURL(v) { r.fail("videos[\(i)]", "must be an http(s) URL") }
        for (i, a) in (audios ?? []).enumerated() where !isHTTPURL(a) && !a.lowercased().hasPrefix("data:") {
            r.fail("audios[\(i)]", "must be an http(s) URL or a data: URI")
        }
        if tail != nil, image == nil || image!.entries.count != 1 {
            r.fail("image_tail", "is the last frame, so it needs exactly one first-frame picture in image")
        }
        // Every picture is checked (files read) even when other params are wrong: one answer lists every problem.
        var inline = 0
        let sentImage = (image?.entries ?? []).compactMap { EditRequest.resolveInput(&r, path: $0.path, text: $0.text, inline: &inline) }
        let sentTail = tail.flatMap { EditRequest.resolveInput(&r, path: "image_tail", text: $0, inline: &inline) }
        let sentImages = (images ?? []).enumerated().compactMap { EditRequest.resolveInput(&r, path: "images[\($0.offset)]", text: $0.element, inline: &inline) }
        guard r.issues.count == before, prompt != nil, let model else { return nil }
        var body = JSONObject()
        for m in r.object where fields.contains(m.key) && m.value != .null { body[m.key] = m.value }
        if let image { body["image"] = image.single ? .string(sentImage[0]) : .array(sentImage.map { .string($0) }) }
        if let sentTail { body["image_tail"] = .string(sentTail) }
        if images != nil { body["images"] = .array(sentImages.map { .string($0) }) }
        return VideoRequest(body: body, model: model, imageCount: sentImage.count + sentImages.count + (sentTail == nil ? 0 : 1),
                            videoCount: videos?.count ?? 0, audioCount: audios?.count ?? 0)
    }

    /// An array of strings, each entry named by its index when it is not one.
    private static func readStrings(_ r: inout FieldReader, _ key: String) -> [String]? {
        guard let v = r.value(key) else { return nil }
        guard case .array(let items) = v else { r.fail(key, "must be an array of strings, not \(v.typeName)"); return nil }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item, !s.isEmpty else { r.fail("\(key)[\(i)]", "must be a non-empty string"); continue }
            out.append(s)
        }
        return out
    }

    private static func readTools(_ r: inout FieldReader) {
        guard let v = r.value("tools") else { return }
        guard case .array(let items) = v else { r.fail("tools", "must be an array of {\"type\": \"web_search\"}"); return }
        for (i, item) in items.enumerated() {
            guard item.objectValue?.keys.count == 1, item["type"]?.stringValue == "web_search" else {
                r.fail("tools[\(i)]", "must be {\"type\": \"web_search\"}, the only tool the service knows")
                continue
            }
        }
    }

    /// A JSON number as a Double, nil for anything else.
    package static func number(_ v: JSONValue) -> Double? {
        switch v {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        case .numberLiteral(let text): return Double(text)
        default: return nil
        }
    }

    static func isHTTPURL(_ s: String) -> Bool {
        if case .success(.url) = ImageInput.parse(s) { return true }
        return false
    }
}
