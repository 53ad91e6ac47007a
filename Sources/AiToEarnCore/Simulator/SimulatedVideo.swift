import JSONValue

/// The simulator's video jobs: its video models, the service's checks of a submission, and the
/// video itself, a real H.264 MP4 drawn from the prompt (the disc of `PromptPicture` moving).
enum SimulatedVideo {
    static let succeeding = "sim-video", failing = "sim-video-fail"
    static let framesPerSecond = 4

    static let modelList: JSONValue = [
        [
            "name": .string(succeeding), "description": "Offline simulator video model. Always succeeds.", "tags": ["simulator"],
            "channel": "simulator", "modes": ["text2video", "image2video", "flf2video"], "resolutions": ["720p", "1080p"],
            "durations": [5, 10], "maxInputImages": 2, "inputConstraints": ["images": ["maxCount": 2]],
            "aspectRatios": ["16:9", "9:16", "1:1"], "defaults": ["resolution": "720p", "aspectRatio": "16:9", "duration": 5],
            "pricing": [["resolution": "720p", "duration": 5, "price": 10], ["resolution": "720p", "duration": 10, "price": 20],
                        ["resolution": "1080p", "duration": 5, "price": 15], ["resolution": "1080p", "duration": 10, "price": 30]],
        ],
        [
            "name": .string(failing), "description": "Offline simulator video model. The job always ends FAILURE.", "tags": ["simulator"],
            "channel": "simulator", "modes": ["text2video"], "resolutions": ["720p"], "durations": [5], "maxInputImages": 0,
            "aspectRatios": ["16:9"], "defaults": ["resolution": "720p", "aspectRatio": "16:9", "duration": 5],
            "pricing": [["price": 5]],
        ],
    ]

    /// The service's checks of a submission (schema, then the model's values and price); nil when
    /// it passes, else the code it answers with.
    static func check(_ body: JSONValue) -> UpstreamCode? {
        var r = FieldReader(params: body)
        guard let request = VideoRequest.read(&r), r.issues.isEmpty else { return .badRequest }
        return VideoModelRules.issues(request, models: modelList).isEmpty ? nil : .invalidModel
    }

    /// The frame size for an aspect ratio: small, since every sample is sent uncompressed.
    static func size(ratio: String?) -> (width: Int, height: Int) {
        switch ratio {
        case "9:16": return (72, 128)
        case "1:1": return (96, 96)
        default: return (128, 72)
        }
    }

    /// An MP4 of `duration` seconds (at least 2) at `framesPerSecond`, the same for the same inputs.
    static func movie(prompt: String, ratio: String?, duration: Double?) -> [UInt8] {
        let (w, h) = size(ratio: ratio)
        let frames = max(2, min(10, Int(duration ?? 5))) * framesPerSecond
        let slices = (0..<frames).map { i in
            H264PCMEncoder.slice(H264PCMEncoder.picture(width: w, height: h,
                                                        pixel: PromptPicture.painter(prompt: prompt, index: 0, width: w, height: h,
                                                                                     frame: i, frames: frames)), idrPicId: i)
        }
        return MP4Writer.mp4(width: w, height: h, fps: framesPerSecond, sps: H264PCMEncoder.sps(width: w, height: h),
                             pps: H264PCMEncoder.pps(), frames: slices)
    }
}
