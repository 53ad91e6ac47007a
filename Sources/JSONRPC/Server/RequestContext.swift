import JSONValue

/// Sends server-to-client notifications through the one serialized writer.
public struct Notifier: Sendable {
    let sendMessage: @Sendable (JSONValue, String?) -> Void

    public init(_ send: @escaping @Sendable (JSONValue, String?) -> Void) { sendMessage = send }

    /// With `replacing`, this notification may take the place of an earlier one with the same
    /// key that is still waiting to be written (only the latest progress matters).
    public func notify(_ method: String, _ params: JSONValue?, replacing key: String? = nil) {
        sendMessage(OutgoingMessage.notification(method, params), key)
    }
}

/// What a method sees of the request it serves.
public struct RequestContext: Sendable {
    /// The JSON-RPC id, exactly as the client sent it.
    public let id: JSONValue
    public let notifier: Notifier

    public func notify(_ method: String, _ params: JSONValue?, replacing key: String? = nil) {
        notifier.notify(method, params, replacing: key)
    }
}
