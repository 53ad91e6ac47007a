#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A small picture derived from the prompt: a two-colour gradient with a disc, the same for the same prompt.
enum PromptPicture {
    static func png(prompt: String, index: Int, size: Int = 96) -> [UInt8] {
        PNGEncoder.encode(width: size, height: size, pixel: painter(prompt: prompt, index: index, width: size, height: size))
    }

    /// The picture as a pixel function. With `frame` of `frames`, the disc travels from left to
    /// right, bouncing up and down, so the frames of a simulated video differ from one another.
    static func painter(prompt: String, index: Int, width: Int, height: Int,
                        frame: Int? = nil, frames: Int = 1) -> (Int, Int) -> (UInt8, UInt8, UInt8) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in prompt.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        h = (h ^ UInt64(index)) &* 0x100_0000_01B3
        let c1 = (UInt8(truncatingIfNeeded: h), UInt8(truncatingIfNeeded: h >> 8), UInt8(truncatingIfNeeded: h >> 16))
        let c2 = (UInt8(truncatingIfNeeded: h >> 24), UInt8(truncatingIfNeeded: h >> 32), UInt8(truncatingIfNeeded: h >> 40))
        let side = min(width, height)
        var cx = width / 4 + Int((h >> 48) % UInt64(max(1, width / 2))), cy = height / 4 + Int((h >> 56) % UInt64(max(1, height / 2)))
        if let frame, frames > 1 {
            cx = side / 5 + frame * (width - 2 * (side / 5)) / (frames - 1)
            let bounce = (frame * 4) % (2 * frames), amplitude = height / 4
            cy = height / 2 - amplitude + (bounce < frames ? bounce : 2 * frames - bounce) * 2 * amplitude / frames
        }
        let radius = side / 5
        return { x, y in
            let dx = x - cx, dy = y - cy
            if dx * dx + dy * dy <= radius * radius { return (255 &- c1.0, 255 &- c1.1, 255 &- c1.2) }
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Int(a) * (height - y) + Int(b) * y) / height) }
            return (mix(c1.0, c2.0), mix(c1.1, c2.1), mix(c1.2, c2.2))
        }
    }
}
