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
package enum ImageInput: Sendable, Equatable {
    case url(String)
    case dataURI(String)
    case file(path: String)

    /// A local file larger than this is refused before it is read: as a data URI (4/3 of its
    /// size) it would already fill most of the inline allowance, `EditRequest.maxInlineBytes`.
    package static let maxFileBytes = 11 * 1024 * 1024

    /// The image types the service's edit models take, named by their media types.
    static let acceptedTypes: [ImageType] = [.png, .jpeg, .webp]

    /// What the caller wrote, sorted by its form; a message saying what is wrong otherwise.
    package static func parse(_ text: String) -> Result<ImageInput, Problem> {
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
            return DataURI.canonical(text)
        case .file(let path):
            return Self.read(file: path, inlineLeft: inlineLeft)
        }
    }

    /// Reads a local image file without ever blocking on it: opened non-blocking (a FIFO or a
    /// device swapped in after any check cannot hang the thread), then judged by the opened
    /// descriptor itself (a symlink to a regular file is that file), and read up to the cap.
    private static func read(file path: String, inlineLeft: Int) -> Result<String, Problem> {
        if path.utf8.contains(0) { return .failure(Problem("names a path with a NUL character, which no file can have")) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "which does not exist" : "which cannot be read (\(String(cString: strerror(errno))))"
            return .failure(Problem("names \(path), \(reason)"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Problem("names \(path), which cannot be read")) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(Problem("names \(path), which is a directory, not an image file")) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(Problem("names \(path), which is not a regular file (a pipe, socket or device is never read)"))
        }
        let size = Int(info.st_size)
        guard size <= maxFileBytes else {
            return .failure(Problem("names \(path), which is \(megabytes(size)), more than the \(megabytes(maxFileBytes)) a local file may have: "
                + "upload it somewhere and pass its http(s) URL instead"))
        }
        // "data:image/jpeg;base64," is the longest prefix; the data is 4/3 of the file.
        let predicted = 23 + (size + 2) / 3 * 4
        guard predicted <= inlineLeft else { return .failure(inlineProblem()) }
        // One byte more than measured: a file that grew meanwhile is noticed, never read past the cap.
        var bytes = Data(count: size + 1)
        let filled = bytes.withUnsafeMutableBytes { readFully(fd, into: $0) }
        guard filled >= 0 else { return .failure(Problem("names \(path), which cannot be read")) }
        guard filled <= size else { return .failure(Problem("names \(path), which changed while it was read: try again once it is written")) }
        bytes.count = filled
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
    package struct Problem: Error, Sendable, Equatable {
        package var message: String
        init(_ message: String) { self.message = message }
    }
}

/// Reads until `buffer` is full or the file ends; the count read, or -1 on an error.
private func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    var filled = 0
    while filled < buffer.count {
        let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
        if n == 0 { break }
        if n < 0 {
            if errno == EINTR { continue }
            return -1
        }
        filled += n
    }
    return filled
}
