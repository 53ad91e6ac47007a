import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One input picture of an edit job (an `image` entry or the `mask`) as the caller names it,
/// and the form it is sent in. The service takes http(s) URLs, which it fetches itself, and
/// `data:` URIs; a local file (an absolute path or a `file://` URI) is read here, checked to be a
/// PNG, JPEG or WebP image by its first bytes, and sent as a data URI.
public enum ImageInput: Sendable, Equatable {
    case url(String)
    case dataURI(String)
    case file(path: String)

    /// A local file larger than this is refused before it is read: as a data URI (4/3 of its
    /// size) it would already fill most of the inline allowance, `EditRequest.maxInlineBytes`.
    public static let maxFileBytes = 11 * 1024 * 1024

    /// The image types the service's edit models take, named by their media types.
    static let acceptedTypes: [ImageType] = [.png, .jpeg, .webp]

    /// What the caller wrote, sorted by its form; a message saying what is wrong otherwise.
    public static func parse(_ text: String) -> Result<ImageInput, Problem> {
        let lower = text.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }),
                  let url = URL(string: text), let host = url.host, !host.isEmpty else {
                return .failure(Problem("is not a valid http(s) URL"))
            }
            return .success(.url(text))
        }
        if lower.hasPrefix("data:") { return .success(.dataURI(text)) }
        if lower.hasPrefix("file:") {
            guard let url = URL(string: text), url.isFileURL else { return .failure(Problem("is not a valid file:// URI")) }
            if let host = url.host, !host.isEmpty, host.lowercased() != "localhost" {
                return .failure(Problem("is a file:// URI on another host (\(host)); only local files can be read"))
            }
            let path = url.path
            guard path.hasPrefix("/") else { return .failure(Problem("is a file: URI without an absolute path; write file:///absolute/path")) }
            return .success(.file(path: path))
        }
        if text.hasPrefix("/") { return .success(.file(path: text)) }
        if text.isEmpty { return .failure(Problem("must not be empty")) }
        if let colon = text.firstIndex(of: ":"), colon > text.startIndex,
           text[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }), text[..<colon].count > 1 {
            return .failure(Problem("uses the \(text[..<colon].lowercased()): scheme, which is not accepted; give an http(s) URL, "
                + "a data:image/…;base64, URI, an absolute path or a file:// URI"))
        }
        return .failure(Problem("is a relative path (\(Self.clipped(text))): give an absolute path or a file:// URI "
            + "(relative paths are not resolved, since the adapter's working directory is not the caller's)"))
    }

    /// The text sent upstream: a URL as written, a data URI checked to hold a PNG, JPEG or WebP
    /// image, a local file read and made a data URI. `inlineLeft` is how many characters of
    /// data URIs the request may still carry: a file that would pass it is not even read.
    func wireForm(inlineLeft: Int) -> Result<String, Problem> {
        switch self {
        case .url(let text):
            return .success(text)
        case .dataURI(let text):
            if let problem = Self.check(dataURI: text) { return .failure(problem) }
            return .success(text)
        case .file(let path):
            return Self.read(file: path, inlineLeft: inlineLeft)
        }
    }

    /// Nil when `text` is `data:image/…;base64,` followed by the base64 of a PNG, JPEG or WebP image.
    static func check(dataURI text: String) -> Problem? {
        guard let comma = text.firstIndex(of: ",") else { return Problem("is a data URI without a comma before its data") }
        let header = text[text.index(text.startIndex, offsetBy: 5)..<comma].lowercased()
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        guard let media = parts.first, media.hasPrefix("image/") else {
            return Problem("must be a data URI of an image (data:image/png;base64,…), not of \"\(parts.first.map(String.init) ?? "")\"")
        }
        guard parts.dropFirst().contains("base64") else {
            return Problem("must be a base64 data URI (data:\(media);base64,…)")
        }
        guard let bytes = Data(base64Encoded: String(text[text.index(after: comma)...])) else {
            return Problem("is a data URI whose data is not valid base64")
        }
        guard let type = ImageType.detect(bytes), acceptedTypes.contains(type) else {
            return Problem("is a data URI whose data is not a PNG, JPEG or WebP image")
        }
        return nil
    }

    private static func read(file path: String, inlineLeft: Int) -> Result<String, Problem> {
        // lstat, as Foundation's attributesOfItem: a symbolic link is not a regular file.
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let exists = errno != ENOENT && errno != ENOTDIR
            return .failure(Problem(exists ? "names \(path), which cannot be read" : "names \(path), which does not exist"))
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { return .failure(Problem("names \(path), which is a directory, not an image file")) }
        guard type == S_IFREG else { return .failure(Problem("names \(path), which is not a regular file")) }
        let size = Int(info.st_size)
        guard size <= maxFileBytes else {
            return .failure(Problem("names \(path), which is \(megabytes(size)), more than the \(megabytes(maxFileBytes)) a local file may have: "
                + "upload it somewhere and pass its http(s) URL instead"))
        }
        // "data:image/jpeg;base64," is the longest prefix; the data is 4/3 of the file.
        let predicted = 23 + (size + 2) / 3 * 4
        guard predicted <= inlineLeft else { return .failure(inlineProblem()) }
        // The file may have grown since it was measured: never read more than the cap allows.
        guard let bytes = FileBytes.read(path: path, limit: maxFileBytes + 1) else {
            return .failure(Problem("names \(path), which cannot be read"))
        }
        guard bytes.count <= maxFileBytes else {
            return .failure(Problem("names \(path), which is more than the \(megabytes(maxFileBytes)) a local file may have"))
        }
        guard let detected = ImageType.detect(bytes), acceptedTypes.contains(detected) else {
            return .failure(Problem("names \(path), which is not a PNG, JPEG or WebP image"))
        }
        let uri = "data:\(detected.mediaType);base64," + Data(bytes).base64EncodedString()
        guard uri.utf8.count <= inlineLeft else { return .failure(inlineProblem()) }
        return .success(uri)
    }

    static func inlineProblem() -> Problem {
        Problem("would take the inline images (data URIs, local files) past \(megabytes(EditRequest.maxInlineBytes)) "
            + "together, more than the service can keep with a job: pass some images as http(s) URLs instead")
    }

    static func megabytes(_ bytes: Int) -> String {
        let mb = Double(bytes) / 1_048_576
        if mb == mb.rounded() { return "\(Int(mb)) MB" }
        let tenths = Int((mb * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) MB"
    }

    private static func clipped(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }

    /// Why an input cannot be used, said of the field it came in.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
        init(_ message: String) { self.message = message }
    }
}
