import JSONValue

/// What a method sees of the request it serves.
public struct RequestContext: Sendable {
    /// The JSON-RPC id, exactly as the client sent it.
    public let id: JSONValue
    public let notifier: Notifier

    public func notify(_ method: String, _ params: JSONValue?, replacing key: String? = nil) {
        notifier.notify(method, params, replacing: key)
    }
}
