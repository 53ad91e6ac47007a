import Diagnostics
import JSONValue

/// What a submission would cost, read from the service's model list: a number of credits, or
/// unknown with the reason. A price the adapter cannot read is never taken for 0: under a
/// spending limit, unknown means "do not submit".
package enum Price: Sendable, Equatable {
    case credits(Double)
    case unknown(reason: String)

    /// The credits as JSON (an integer when whole), or null when unknown.
    package var json: JSONValue {
        guard case .credits(let c) = self else { return .null }
        return c.rounded() == c && abs(c) < 9.0e15 ? .integer(Int64(c)) : .double(c)
    }
}

/// The service's own pricing rules (UPSTREAM: "Price"), as one pure function per kind of job.
package enum Pricing {
    /// An image generation or edit costs the model's `pricing` once per request, whatever `n`
    /// is. `pricing` is a string of a number in the service's list ("12"); a bare number is read
    /// too. Returns the price and the model's `pricing` as listed (for callers to show).
    package static func image(model: String, in list: JSONValue) -> (price: Price, pricing: JSONValue) {
        guard let entry = modelEntry(model, in: list) else {
            return (.unknown(reason: "the model \"\(model)\" is not in the service's model list"), .null)
        }
        let pricing = entry["pricing"] ?? .null
        guard let credits = number(pricing) else {
            return (.unknown(reason: "the model list gives \"\(model)\" no price the adapter can read"), pricing)
        }
        return (.credits(credits), pricing)
    }

    /// A video job costs the `price` of the first row of the model's `pricing` whose given
    /// fields (`resolution`, `aspectRatio`, `mode`, `duration`) all match the request, the
    /// model's `defaults` filling what the request leaves out (the request's `ratio` is the
    /// row's `aspectRatio`). Returns the price and the matching row (null when none).
    package static func video(_ body: JSONObject, in list: JSONValue) -> (price: Price, pricing: JSONValue) {
        let model = body["model"]?.stringValue ?? ""
        guard let entry = modelEntry(model, in: list) else {
            return (.unknown(reason: "the model \"\(model)\" is not in the service's video model list"), .null)
        }
        guard case .array(let rows)? = entry["pricing"], !rows.isEmpty else {
            return (.unknown(reason: "the video model list gives \"\(model)\" no pricing table"), .null)
        }
        let defaults = entry["defaults"]?.objectValue ?? JSONObject()
        // What the request asks for, field by field as the rows name them.
        let asked: [String: JSONValue?] = [
            "resolution": body["resolution"] ?? defaults["resolution"],
            "aspectRatio": body["ratio"] ?? defaults["aspectRatio"],
            "mode": body["mode"] ?? defaults["mode"],
            "duration": body["duration"] ?? defaults["duration"],
        ]
        for row in rows {
            guard case .object(let r) = row else { continue }
            let matches = asked.allSatisfy { field, wanted in
                guard let given = r[field], given != .null else { return true }
                guard let wanted else { return false }
                return same(given, wanted)
            }
            guard matches else { continue }
            guard let price = r["price"].flatMap(number) else {
                return (.unknown(reason: "the matching pricing row of \"\(model)\" has no price the adapter can read"), row)
            }
            return (.credits(price), row)
        }
        return (.unknown(reason: "no pricing row of \"\(model)\" matches this request (the service refuses it with 12300)"), .null)
    }

    private static func modelEntry(_ name: String, in list: JSONValue) -> JSONObject? {
        for case .object(let m) in list.arrayValue ?? [] where m["name"]?.stringValue == name { return m }
        return nil
    }

    /// A non-negative finite number, from a JSON number or a string holding only one.
    package static func number(_ v: JSONValue) -> Double? {
        let d: Double?
        switch v {
        case .integer(let i): d = Double(i)
        case .double(let x): d = x
        case .string(let s):
            let t = s.trimmingWhitespace()
            d = t.isEmpty || !t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) ? nil : Double(t)
        default: d = nil
        }
        guard let d, d.isFinite, d >= 0 else { return nil }
        return d
    }

    /// Equal as the service compares them: numbers by value ("5" and 5 are one duration), else exactly.
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}
