
/// Image formats recognised by their first bytes.
package enum ImageType: Sendable {
    case png, jpeg, gif, webp

    package static func detect(_ d: some Collection<UInt8>) -> ImageType? {
        let b = [UInt8](d.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.starts(with: Array("GIF8".utf8)) { return .gif }
        if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return .webp }
        return nil
    }

    /// The format a file name (or a URL's path) says, by its extension; the saver names files by
    /// the type it detected.
    package init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".png") { self = .png }
        else if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { self = .jpeg }
        else if lower.hasSuffix(".gif") { self = .gif }
        else if lower.hasSuffix(".webp") { self = .webp }
        else { return nil }
    }

    package var mediaType: String {
        switch self {
        case .png: return "image/png"
        case .jpeg: return "image/jpeg"
        case .gif: return "image/gif"
        case .webp: return "image/webp"
        }
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
