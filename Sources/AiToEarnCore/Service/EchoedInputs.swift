import JSONValue

/// An edit job's status echoes its request, inline input images included: megabytes of base64 the
/// caller sent itself. They are shortened in what the adapter returns (results, error data), so
/// that a reply stays small; URLs and every other field stay verbatim.
package enum EchoedInputs {
    /// Data URIs longer than this are shortened.
    static let keep = 128

    /// `task` with each data URI in `request.image` (a string or an array) and `request.mask`
    /// replaced by its header and how much was left out: `data:image/png;base64,… (12345 characters not repeated)`.
    package static func shorten(_ task: JSONValue) -> JSONValue {
        guard case .object(var o) = task, case .object(var request)? = o["request"] else { return task }
        var changed = false
        func short(_ v: JSONValue) -> JSONValue {
            guard case .string(let s) = v, s.utf8.count > keep, s.prefix(5).lowercased() == "data:",
                  let comma = s.firstIndex(of: ",") else { return v }
            changed = true
            let dataLength = s.utf8.count - s[...comma].utf8.count
            return .string(String(s[...comma]) + "… (\(dataLength) characters not repeated)")
        }
        for key in ["image", "mask"] {
            switch request[key] {
            case .string?: request[key] = short(request[key]!)
            case .array(let items)?: request[key] = .array(items.map(short))
            default: break
            }
        }
        guard changed else { return task }
        o["request"] = .object(request)
        return .object(o)
    }
}
