import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// Builds `CallToolResult` objects: structured content, a text mirror, resource links, image data.
enum MCPToolResult {
    /// Inline image data is capped: agents' context windows are precious.
    static let maxInlineBytes = 1_000_000

    /// A finished job (success, or failed when `isError`). `saved` maps image index to local file.
    static func job(_ task: JSONValue, saved: [Int: String], includeData: Bool, isError: Bool = false) -> JSONValue {
        let logId = task["logId"]?.stringValue ?? ""
        var images: [JSONValue] = []
        var links: [JSONValue] = []
        var inline: [(data: String, mime: String, bytes: Int)] = []
        var unlinked = 0
        for (i, image) in (task["images"]?.arrayValue ?? []).enumerated() {
            var entry = JSONObject()
            let uri: String?
            if let path = saved[i] {
                entry["path"] = .string(path)
                uri = URL(fileURLWithPath: path).absoluteString
            } else {
                // A null URL or a bare storage key is no link: the image is listed with why.
                uri = ImageURL.usable(image)?.absoluteString
                if uri == nil, let why = ImageURL.problem(image) {
                    entry["reason"] = .string("No link: " + why + ".")
                    unlinked += 1
                }
            }
            let mime = imageMediaType(uri ?? "", base64: image["b64_json"]?.stringValue)
            if let uri { entry["url"] = .string(uri) }
            entry["mimeType"] = .string(mime)
            images.append(.object(entry))
            if let uri {
                links.append(.object(["type": "resource_link", "uri": .string(uri), "name": .string("\(logId)-\(i + 1)"),
                                      "mimeType": .string(mime), "description": .string("Generated image \(i + 1) of job \(logId)")]))
            }
            if let b64 = image["b64_json"]?.stringValue {
                inline.append((b64, mime, b64.utf8.count / 4 * 3))
            }
        }
        var structured: JSONObject = ["logId": .string(logId), "status": task["status"] ?? "success", "images": .array(images)]
        if let e = task["errorMessage"] { structured["errorMessage"] = e }
        var notes: [String] = []
        var imageContent: [JSONValue] = []
        if includeData {
            let total = inline.reduce(0) { $0 + $1.bytes }
            if inline.isEmpty {
                notes.append("No image data is included: the service delivered these images as URLs.")
            } else if total >= maxInlineBytes {
                notes.append("Image data is not included: \(total) bytes is over the 1 MB limit; the images are linked.")
            } else {
                imageContent = inline.map { .object(["type": "image", "data": .string($0.data), "mimeType": .string($0.mime)]) }
            }
        }
        if unlinked > 0 {
            notes.append("\(unlinked) of the images cannot be fetched (see each image's reason); the job is billed: "
                + "do not submit it again.")
        }
        if isError {
            let reason = task["errorMessage"]?.stringValue ?? "no reason given"
            notes.append("The image job failed: \(sentence(reason)) Change the prompt or model and try again.")
        }
        if !notes.isEmpty { structured["message"] = .string(notes.joined(separator: " ")) }
        return result(structured: structured, extra: links + imageContent, isError: isError)
    }

    /// A job still running: its id, status and what to do next.
    static func pending(logId: String, status: String) -> JSONValue {
        let structured: JSONObject = [
            "logId": .string(logId), "status": .string(status), "images": [],
            "message": .string("The image job is still running (it is billed: do not submit it again). "
                + "Call get_task_status with logId \(logId) (and wait_seconds) to get the images."),
        ]
        return result(structured: structured, extra: [], isError: false)
    }

    /// A tool error a model can act on: plain text, `isError`.
    static func error(_ text: String) -> JSONValue {
        .object(["content": [.object(["type": "text", "text": .string(text)])], "isError": true])
    }

    /// A tool error about a job that exists (billed): `isError`, with the job's id and last known
    /// status in `structuredContent` so an agent follows it rather than submitting again.
    static func jobError(logId: String, status: String, text: String, video: Bool = false) -> JSONValue {
        let structured: JSONObject = video ? ["taskId": .string(logId), "status": .string(status), "message": .string(text)]
            : ["logId": .string(logId), "status": .string(status), "images": [], "message": .string(text)]
        return result(structured: structured, extra: [], isError: true)
    }

    static func invalidArguments(_ issues: [ValidationIssue]) -> JSONValue {
        error("Invalid arguments: " + issues.map { "\($0.path.isEmpty ? "arguments" : $0.path): \($0.message)" }.joined(separator: "; ") + ".")
    }

    static func result(structured: JSONObject, extra: [JSONValue], isError: Bool) -> JSONValue {
        var content: [JSONValue] = [.object(["type": "text", "text": .string(JSONValue.object(structured).serializedString())])]
        content += extra
        var r: JSONObject = ["content": .array(content), "structuredContent": .object(structured)]
        if isError { r["isError"] = true }
        return .object(r)
    }

    /// `text` ending in exactly one full stop (or its own ! or ?).
    static func sentence(_ text: String) -> String {
        var t = text.trimmingWhitespace()
        while t.hasSuffix(".") { t.removeLast() }
        return t.hasSuffix("!") || t.hasSuffix("?") || t.hasSuffix("。") ? t : t + "."
    }

    /// An image's media type: what its file name or URL says, else what its first bytes are
    /// (the core's detection), else PNG.
    static func imageMediaType(_ uri: String, base64: String?) -> String {
        let path = uri.split(separator: "?").first.map(String.init) ?? ""
        // 16 base64 characters are the 12 bytes detection looks at.
        let head = base64.flatMap { Data(base64Encoded: String($0.prefix(16))) }
        return (ImageType(fileName: path) ?? head.flatMap { ImageType.detect($0) } ?? .png).mediaType
    }
}
