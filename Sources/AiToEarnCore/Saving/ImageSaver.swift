import Foundation
import JSONValue

/// Writes a finished job's images into a directory: decoded base64 or downloaded http(s) URLs,
/// at most 50 MB each, checked to be images, named from the logId and index only, never outside it.
public struct ImageSaver: Sendable {
    public static let maxImageBytes = 50 * 1024 * 1024
    /// Image hosts may redirect (to a CDN, say), http(s) only and never with the API key.
    public static let maxRedirects = 5

    let transport: HTTPTransport
    /// The simulator's image folder: `file://` URLs inside it may be copied; all others are refused.
    let localImageRoot: String?
    let requestTimeoutMs: Int

    public init(transport: HTTPTransport, localImageRoot: String?, requestTimeoutMs: Int) {
        self.transport = transport
        self.localImageRoot = localImageRoot
        self.requestTimeoutMs = requestTimeoutMs
    }

    /// Returns the absolute paths written, by image index. `inlineOnly` saves just the images that
    /// arrived as base64 (URL images stay links).
    public func save(task: JSONValue, logId: String, to directory: String, inlineOnly: Bool = false) async throws(CoreError) -> [Int: String] {
        func failure(_ reason: String) -> CoreError {
            CoreError(.saveFailed(logId: logId, task: task, reason: reason), logId: logId)
        }
        let dir = URL(fileURLWithPath: directory).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw failure("cannot create the directory \(dir.path): \(error.localizedDescription)")
        }
        let images = task["images"]?.arrayValue ?? []
        // Only safe characters from the id reach the file name.
        let stem = String(logId.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
        var paths: [Int: String] = [:]
        for (index, image) in images.enumerated() where !inlineOnly || image["b64_json"]?.stringValue != nil {
            let bytes = try await fetch(image, failure: { failure("image \(index + 1): \($0)") })
            guard let type = ImageType.detect(bytes) else { throw failure("image \(index + 1) is not a PNG, JPEG, GIF or WebP image") }
            let target = dir.appendingPathComponent("\(stem.isEmpty ? "image" : stem)-\(index + 1).\(type.fileExtension)")
            guard target.deletingLastPathComponent().path == dir.path else { throw failure("unsafe file name") }
            do {
                try bytes.write(to: target, options: .atomic)
            } catch {
                throw failure("cannot write \(target.path): \(error.localizedDescription)")
            }
            paths[index] = target.path
        }
        return paths
    }

    private func fetch(_ image: JSONValue, failure: (String) -> CoreError) async throws(CoreError) -> Data {
        if let b64 = image["b64_json"]?.stringValue {
            guard b64.utf8.count <= ImageSaver.maxImageBytes * 4 / 3 + 4 else { throw failure("larger than 50 MB") }
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else { throw failure("b64_json is not valid base64") }
            return data
        }
        guard let text = image["url"]?.stringValue, let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw failure("it has neither b64_json nor a URL")
        }
        switch scheme {
        case "http", "https":
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: [("Accept", "image/*"), ("User-Agent", "aitoearn-rpc/\(ProductVersion.current)")],
                                                                timeoutMs: requestTimeoutMs, maxResponseBytes: ImageSaver.maxImageBytes,
                                                                maxRedirects: ImageSaver.maxRedirects))
            } catch {
                throw failure("download failed: \(error.reason)")
            }
            guard (200..<300).contains(response.status) else { throw failure("download answered HTTP \(response.status)") }
            if let length = response.headers["content-length"].flatMap(Int.init), length > ImageSaver.maxImageBytes {
                throw failure("larger than 50 MB")
            }
            guard response.body.count <= ImageSaver.maxImageBytes else { throw failure("larger than 50 MB") }
            return response.body
        case "file":
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard let root = localImageRoot, path.hasPrefix(root + "/") else {
                throw failure("file:// URLs from the service are refused")
            }
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = attrs[.size] as? Int, size <= ImageSaver.maxImageBytes,
                  let data = FileManager.default.contents(atPath: path) else { throw failure("cannot read \(path)") }
            return data
        default:
            throw failure("only http(s) URLs are downloaded, not \(scheme)://")
        }
    }
}

/// Image formats recognised by their first bytes.
enum ImageType {
    case png, jpeg, gif, webp

    static func detect(_ d: Data) -> ImageType? {
        let b = [UInt8](d.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.starts(with: Array("GIF8".utf8)) { return .gif }
        if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }

    var fileExtension: String {
        switch self {
        case .png: return "png"
        case .jpeg: return "jpg"
        case .gif: return "gif"
        case .webp: return "webp"
        }
    }
}
