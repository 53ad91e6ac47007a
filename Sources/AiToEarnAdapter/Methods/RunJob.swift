import AiToEarnCore
import JSONRPC
import JSONValue

/// Runs a core job for a request: progress begin/end around it, core errors as JSON-RPC errors.
func runJob(context: RequestContext, session: Session, options: JobOptions, title: String,
            _ body: @Sendable (ProgressReporter) async throws(CoreError) -> JSONValue) async throws(RPCError) -> JSONValue {
    let progress = ProgressReporter(context: context, token: options.workDoneToken, title: title)
    do {
        let result = try await body(progress)
        progress.end(result["status"]?.stringValue ?? "done")
        return result
    } catch {
        progress.end(error.message)
        if case .cancelled(let logId?) = error.kind {
            // The answer may never be read (the client is going away): the log keeps the billed job's id too.
            session.logger.warn("request \(context.id) was cancelled: \(CoreError.billedJob(logId, naming: .methods, video: error.video))")
        } else {
            session.logger.info("request \(context.id) ended: \(error.message)")
        }
        throw error.rpcError(redactor: session.redactor)
    }
}
