import JSONValue

/// A job yields at most as many images as it asked for (`n`, 1 by default) and never more than
/// 10: a status that lists more is not trusted with our disk, downloads or the caller's context.
package enum ImageLimit {
    package static let maxImages = 10

    /// The task with `images` cut to its allowance; `droppedImages` says how many were left out.
    /// `askedFor` is the `n` the caller sent, when known; else the job's echoed request says.
    package static func apply(to task: JSONValue, askedFor: Int64? = nil) -> JSONValue {
        guard case .object(var o) = task, case .array(let images)? = o["images"] else { return task }
        let asked = askedFor ?? task["request"]?["n"]?.integerValue ?? 1
        let allowed = Int(min(max(asked, 1), Int64(maxImages)))
        guard images.count > allowed else { return task }
        o["images"] = .array(Array(images.prefix(allowed)))
        o["droppedImages"] = .integer(Int64(images.count - allowed))
        return .object(o)
    }
}
