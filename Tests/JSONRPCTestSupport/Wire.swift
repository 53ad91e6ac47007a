#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Diagnostics
import JSONValue

// MARK: - Reading the output

package enum Wire {
    /// The complete frames in `bytes` (NDJSON lines or Content-Length frames, told apart by the
    /// first byte), or nil when a frame is broken.
    package static func frames(_ bytes: [UInt8]) -> [[UInt8]]? {
        guard let first = bytes.first else { return [] }
        return first == UInt8(ascii: "C") ? lspFrames(bytes) : ndjsonFrames(bytes)
    }

    package static func ndjsonFrames(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            out.append(Array(bytes[start..<i]))
            start = i + 1
        }
        return out
    }

    package static func lspFrames(_ bytes: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var i = 0
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        while i < bytes.count {
            var end = i
            while end + 4 <= bytes.count, Array(bytes[end..<(end + 4)]) != separator { end += 1 }
            guard end + 4 <= bytes.count else { return out }  // an incomplete header: not written yet
            let header = String(decoding: bytes[i..<end], as: UTF8.self)
            let prefix = "Content-Length: "
            guard header.hasPrefix(prefix), let length = Int(header.dropFirst(prefix.count)) else { return nil }
            let body = end + 4
            guard body + length <= bytes.count else { return out }
            out.append(Array(bytes[body..<(body + length)]))
            i = body + length
        }
        return out
    }

    /// Every complete message written so far; a frame that is not JSON shows up as
    /// `{"unparseable": "<text>"}` so that a check on it fails visibly.
    package static func messages(_ bytes: [UInt8]) -> [JSONValue] {
        guard let frames = frames(bytes) else { return [["unparseable": .string(String(decoding: bytes, as: UTF8.self))]] }
        return frames.map { f in
            (try? JSONParser.parse(f)) ?? ["unparseable": .string(String(decoding: f, as: UTF8.self))]
        }
    }
}

extension JSONValue {
    package var id: JSONValue? { self["id"] }
    package var method: String? { self["method"]?.stringValue }
    package var errorCode: Int64? { self["error"]?["code"]?.integerValue }
    package var errorMessage: String? { self["error"]?["message"]?.stringValue }
    package var result: JSONValue? { self["result"] }
    package var isResponse: Bool { self["result"] != nil || self["error"] != nil }

    package func isResponse(to id: JSONValue) -> Bool { isResponse && self["id"] == id }
}

extension Array where Element == JSONValue {
    package func response(to id: JSONValue) -> JSONValue? { first { $0.isResponse(to: id) } }
    package func index(ofResponseTo id: JSONValue) -> Int? { firstIndex { $0.isResponse(to: id) } }
    package func notifications(_ method: String) -> [JSONValue] { filter { $0.method == method && $0.id == nil } }
    package var responses: [JSONValue] { filter(\.isResponse) }
}

// MARK: - Building input

/// A request as one NDJSON line (without the line break).
package func rpc(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) -> String {
    var o: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
    if let params { o["params"] = params }
    return JSONValue.object(o).serializedString()
}

/// A notification as one NDJSON line (without the line break).
package func note(_ method: String, _ params: JSONValue? = nil) -> String {
    var o: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
    if let params { o["params"] = params }
    return JSONValue.object(o).serializedString()
}

/// One message in LSP framing.
package func lspFrame(_ body: String) -> String { "Content-Length: \(body.utf8.count)\r\n\r\n\(body)" }

/// A logger that writes nowhere.
package let quietLogger = Logger(level: .error, sink: LineSink(fd: open("/dev/null", O_WRONLY | O_CLOEXEC)), redactor: Redactor())
