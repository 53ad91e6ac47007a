import AiToEarnCore
import JSONRPC
import JSONValue

/// `video.generate`: submit a video job and, by default, follow it to its end (minutes).
/// Local pictures are read while the params are decoded, so a bad one is -32602 before anything is sent.
struct VideoGenerateMethod: JobMethod {
    static let name = "video.generate", waitsByDefault = true, submits = true, title = "Generating video"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> VideoRequest? { VideoRequest.read(&r) }
    static func isVideo(_ request: VideoRequest) -> Bool { true }

    func run(_ request: VideoRequest, _ job: JobRun) async throws(CoreError) -> JSONValue { try await session.videos.generate(request, job) }
}
