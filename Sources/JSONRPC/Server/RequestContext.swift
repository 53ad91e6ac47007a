import JSONValue

/// What a method sees of the request it serves.
package struct RequestContext: Sendable {
    /// The JSON-RPC id, exactly as the client sent it.
    package let id: JSONValue
    package let notifier: Notifier

    package func notify(_ method: String, _ params: JSONValue?, replacing key: String? = nil) {
        notifier.notify(method, params, replacing: key)
    }
}
