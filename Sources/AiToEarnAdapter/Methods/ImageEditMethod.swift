import AiToEarnCore
import JSONRPC
import JSONValue

/// `image.edit`: submit an edit of existing pictures and, by default, follow it to its end.
/// Local files named as inputs are read while the params are decoded, so a bad one is -32602
/// before anything is sent.
struct ImageEditMethod: JobMethod {
    static let name = "image.edit", waitsByDefault = true, submits = true, title = "Editing image"
    let session: Session
    static func readSubject(_ r: inout FieldReader) -> EditRequest? { EditRequest.read(&r) }

    func run(_ request: EditRequest, _ job: JobRun) async throws(CoreError) -> JSONValue { try await session.jobs.edit(request, job) }
}
