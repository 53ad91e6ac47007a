import JSONValue

/// What a video model list entry allows, checked against a request before a billed job is
/// submitted: the service would refuse each of these with 12300 or 400 only after its provider
/// was called, one at a time.
package enum VideoModelRules {
    /// Every rule of the model list that `request` breaks; empty when it keeps them all (or the
    /// list has nothing to say about a field).
    package static func issues(_ request: VideoRequest, models: JSONValue) -> [ValidationIssue] {
        guard let list = models.arrayValue else { return [] }
        guard let entry = list.first(where: { $0["name"]?.stringValue == request.model }) else {
            let names = list.compactMap { $0["name"]?.stringValue }
            return [ValidationIssue("model", "is not one of the service's video models (" + quoted(names) + "): see video.models")]
        }
        var out: [ValidationIssue] = []
        let body = request.body
        for (field, listKey) in [("mode", "modes"), ("resolution", "resolutions"), ("ratio", "aspectRatios")] {
            guard let value = body[field]?.stringValue, let allowed = strings(entry[listKey]), !allowed.isEmpty else { continue }
            if !allowed.contains(value) {
                out.append(ValidationIssue(field, "must be one of the model's \(listKey) (\(quoted(allowed))), not \"\(value)\""))
            }
        }
        if let d = body["duration"].flatMap(VideoRequest.number),
           let allowed = entry["durations"]?.arrayValue?.compactMap(VideoRequest.number), !allowed.isEmpty, !allowed.contains(d) {
            let text = allowed.map(format).joined(separator: ", ")
            out.append(ValidationIssue("duration", "must be one of the model's durations (\(text) seconds), not \(format(d))"))
        }
        var imageLimit = entry["maxInputImages"]?.integerValue.map { Int(clamping: $0) }
        if let c = entry["inputConstraints"]?["images"]?["maxCount"]?.integerValue {
            imageLimit = min(imageLimit ?? Int.max, Int(clamping: c))
        }
        if let max = imageLimit, max >= 0, request.imageCount > max {
            out.append(ValidationIssue("image", "the model \"\(request.model)\" takes at most \(max) input image\(max == 1 ? "" : "s") "
                + "(image, image_tail and images together), not \(request.imageCount)"))
        }
        for (field, count) in [("videos", request.videoCount), ("audios", request.audioCount)] {
            if let max = entry["inputConstraints"]?[field]?["maxCount"]?.integerValue, count > max {
                out.append(ValidationIssue(field, "the model \"\(request.model)\" takes at most \(max) here, not \(count)"))
            }
        }
        return out
    }

    private static func strings(_ v: JSONValue?) -> [String]? { v?.arrayValue?.compactMap(\.stringValue) }

    private static func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }

    private static func format(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d) }
}
