import AiToEarnCore
import JSONRPC
import JSONValue

/// `initialize` for an LSP-style client: reads `initializationOptions` into the session and
/// describes the server.
enum LSPInitialize {
    static let notifications = ["task.progress", "$/progress", "status.changed"]

    /// `methods` are the face's own, listed beside the lifecycle's.
    static func result(_ params: JSONValue?, session: Session, methods: [String]) throws(RPCError) -> JSONValue {
        var r = FieldReader(params: params?["initializationOptions"])
        var o = Settings.Overrides()
        // LSP's own member: the client's UI language, for the service's messages.
        o.locale = params?["locale"]?.stringValue
        o.apiKey = r.string("apiKey")
        o.baseURL = r.string("baseUrl", nonEmpty: true)
        if let region = r.oneOf("region", Region.allCases.map(\.rawValue)) { o.region = Region(rawValue: region) }
        o.pollIntervalMs = r.integer("pollIntervalMs", in: 1...600_000).map(Int.init)
        o.timeoutMs = r.integer("timeoutMs", in: 1...PollOptions.maxTimeoutMs).map(Int.init)
        o.maxCredits = r.credits("maxCredits")
        r.rejectUnknown()
        let prefixed = r.issues.map { ValidationIssue("initializationOptions" + ($0.path.isEmpty ? "" : "." + $0.path), $0.message) }
        if !prefixed.isEmpty { throw CoreError(.invalidParams(prefixed)).rpcError }
        do {
            try session.apply(o)
        } catch {
            let path = "initializationOptions." + error.field
            throw RPCError.invalidParams("initializationOptions: \(error.description).",
                                         data: .object(["errors": [.object(["path": .string(path), "message": .string(error.description)])]]))
        }
        let all = (["initialize", "shutdown", "exit"] + methods).map { JSONValue.string($0) }
        return .object([
            "serverInfo": .object(["name": .string(AdapterInfo.name), "version": .string(AdapterInfo.version)]),
            "capabilities": .object(["methods": .array(all), "notifications": .array(notifications.map { .string($0) })]),
        ])
    }
}
