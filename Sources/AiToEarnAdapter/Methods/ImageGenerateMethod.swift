import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.generate`: submit a job and, by default, follow it to its end.
struct ImageGenerateMethod: JobMethod {
    static let name = "image.generate"
    static let waitsByDefault = true
    static let title = "Generating image"
    let session: Session

    static func readSubject(_ r: inout FieldReader) -> ImageRequest? { ImageRequest.read(&r) }

    func run(_ request: ImageRequest, jobs: ImageJobs, poll: PollOptions, saveTo: String?, startMs: Int64,
             events: @escaping @Sendable (JobEvent) -> Void) async throws(CoreError) -> JSONValue {
        try await jobs.generate(request, options: poll, saveTo: saveTo, startMs: startMs, events: events)
    }
}
