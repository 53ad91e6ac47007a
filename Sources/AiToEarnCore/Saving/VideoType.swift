/// Video containers recognised by their first bytes.
enum VideoType: Equatable {
    case mp4, quickTime, webm, matroska

    static func detect(_ head: [UInt8]) -> VideoType? {
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) {
            return Array(head[8..<12]) == Array("qt  ".utf8) ? .quickTime : .mp4
        }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) {
            // The EBML header names the DocType within its first few dozen bytes.
            let webm = Array("webm".utf8)
            return head.indices.contains { i in i + 4 <= head.count && Array(head[i..<i + 4]) == webm } ? .webm : .matroska
        }
        return nil
    }

    var fileExtension: String {
        switch self {
        case .mp4: return "mp4"
        case .quickTime: return "mov"
        case .webm: return "webm"
        case .matroska: return "mkv"
        }
    }
}
