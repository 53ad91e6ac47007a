import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.generate`: submit a job and, by default, follow it to its end.
struct ImageGenerateMethod: JobMethod {
    static let name = "image.generate", waitsByDefault = true, submits = true, title = "Generating image"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> ImageRequest? { ImageRequest.read(&r) }

    func run(_ request: ImageRequest, _ job: JobRun) async throws(CoreError) -> JSONValue { try await session.jobs.generate(request, job) }
}
