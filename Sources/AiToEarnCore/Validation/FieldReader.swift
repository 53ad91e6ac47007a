import Diagnostics
import JSONValue

/// Reads typed fields out of a params object, collecting every rule broken instead of stopping at the first.
package struct FieldReader: Sendable {
    package let object: JSONObject
    package private(set) var issues: [ValidationIssue] = []
    private var known: Set<String> = []

    /// Params must be an object, or absent (read as an empty object).
    package init(params: JSONValue?) {
        switch params {
        case nil, .null?: object = JSONObject()
        case .object(let o)?: object = o
        case let other?:
            object = JSONObject()
            issues.append(ValidationIssue("", "params must be an object, not \(other.typeName)"))
        }
    }

    package mutating func fail(_ key: String, _ message: String) { issues.append(ValidationIssue(key, message)) }

    /// The raw value; `null` counts as absent.
    package mutating func value(_ key: String, required: Bool = false) -> JSONValue? {
        known.insert(key)
        guard let v = object[key], v != .null else {
            if required { fail(key, "is required") }
            return nil
        }
        return v
    }

    package mutating func string(_ key: String, required: Bool = false, nonEmpty: Bool = false) -> String? {
        guard let v = value(key, required: required) else { return nil }
        guard case .string(let s) = v else { fail(key, "must be a string, not \(v.typeName)"); return nil }
        if nonEmpty && s.isEmpty { fail(key, "must not be empty"); return nil }
        return s
    }

    package mutating func oneOf(_ key: String, _ allowed: [String]) -> String? {
        guard let s = string(key) else { return nil }
        guard allowed.contains(s) else {
            fail(key, "must be one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", "))
            return nil
        }
        return s
    }

    package mutating func integer(_ key: String, in range: ClosedRange<Int64>, required: Bool = false) -> Int64? {
        guard let v = value(key, required: required) else { return nil }
        guard let i = v.integerValue else { fail(key, "must be an integer, not \(v.typeName == "number" ? "a fraction" : v.typeName)"); return nil }
        guard range.contains(i) else { fail(key, "must be between \(range.lowerBound) and \(range.upperBound)"); return nil }
        return i
    }

    /// A number of credits: finite, 0 or more (a whole number or a fraction).
    package mutating func credits(_ key: String) -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double?
        switch v {
        case .integer(let i): d = Double(i)
        case .double(let x): d = x
        default: fail(key, "must be a number of credits, not \(v.typeName)"); return nil
        }
        guard let d, d.isFinite, d >= 0 else { fail(key, "must be 0 or more"); return nil }
        return d
    }

    package mutating func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { fail(key, "must be true or false, not \(v.typeName)"); return nil }
        return b
    }

    /// Every member not read so far is an error: a typo must not be dropped silently.
    package mutating func rejectUnknown() {
        for key in object.keys where !known.contains(key) {
            fail(key, "is not a known field" + Suggestion.hint(for: key, among: known))
        }
    }
}
