/// A minimal MP4 (ISO BMFF) with one H.264 video track: `ftyp`, then `moov` (so a player can
/// start at once), then `mdat` with the samples as length-prefixed NAL units.
enum MP4Writer {
    /// `frames` are slice NAL units, each shown for `1/fps` s.
    static func mp4(width: Int, height: Int, fps: Int, sps: [UInt8], pps: [UInt8], frames: [[UInt8]]) -> [UInt8] {
        let timescale: UInt32 = 1000
        let delta = timescale / UInt32(fps)
        let duration = delta * UInt32(frames.count)
        let samples = frames.map { be32(UInt32($0.count)) + $0 }
        let ftyp = box("ftyp", Array("isom".utf8) + be32(512) + Array("isomiso2avc1mp41".utf8))
        func moov(mdatOffset: UInt32) -> [UInt8] {
            let avcC = box("avcC", [1, sps[1], sps[2], sps[3], 0xFF, 0xE1] + be16(sps.count) + sps + [1] + be16(pps.count) + pps)
            let avc1 = box("avc1", [UInt8](repeating: 0, count: 6) + be16(1) + [UInt8](repeating: 0, count: 16)
                + be16(width) + be16(height) + be32(0x0048_0000) + be32(0x0048_0000) + be32(0) + be16(1)
                + [UInt8](repeating: 0, count: 32) + be16(0x18) + [0xFF, 0xFF] + avcC)
            let stbl = box("stbl", full("stsd", be32(1) + avc1)
                + full("stts", be32(1) + be32(UInt32(frames.count)) + be32(delta))
                + full("stsc", be32(1) + be32(1) + be32(UInt32(frames.count)) + be32(1))
                + full("stsz", be32(0) + be32(UInt32(frames.count)) + samples.flatMap { be32(UInt32($0.count)) })
                + full("stco", be32(1) + be32(mdatOffset)))
            let minf = box("minf", full("vmhd", [0, 0, 0, 0, 0, 0, 0, 0], flags: 1)
                + box("dinf", full("dref", be32(1) + full("url ", [], flags: 1))) + stbl)
            let mdia = box("mdia", full("mdhd", be32(0) + be32(0) + be32(timescale) + be32(duration) + be16(0x55C4) + be16(0))
                + full("hdlr", be32(0) + Array("vide".utf8) + [UInt8](repeating: 0, count: 12) + Array("VideoHandler\0".utf8)) + minf)
            let tkhd = full("tkhd", be32(0) + be32(0) + be32(1) + be32(0) + be32(duration) + [UInt8](repeating: 0, count: 8)
                + be16(0) + be16(0) + be16(0) + be16(0) + matrix + be32(UInt32(width) << 16) + be32(UInt32(height) << 16), flags: 3)
            let mvhd = full("mvhd", be32(0) + be32(0) + be32(timescale) + be32(duration) + be32(0x0001_0000) + be16(0x0100)
                + [UInt8](repeating: 0, count: 10) + matrix + [UInt8](repeating: 0, count: 24) + be32(2))
            return box("moov", mvhd + box("trak", tkhd + mdia))
        }
        // The offset's own size never changes, so measuring with 0 gives the true one.
        let offset = UInt32(ftyp.count + moov(mdatOffset: 0).count + 8)
        let payload = samples.flatMap { $0 }
        return ftyp + moov(mdatOffset: offset) + be32(UInt32(payload.count + 8)) + Array("mdat".utf8) + payload
    }

    private static let matrix: [UInt8] = be32(0x0001_0000) + be32(0) + be32(0) + be32(0) + be32(0x0001_0000) + be32(0)
        + be32(0) + be32(0) + be32(0x4000_0000)

    private static func box(_ type: String, _ body: [UInt8]) -> [UInt8] { be32(UInt32(body.count + 8)) + Array(type.utf8) + body }

    private static func full(_ type: String, _ body: [UInt8], flags: UInt32 = 0) -> [UInt8] { box(type, be32(flags & 0xFF_FFFF) + body) }

    private static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    private static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
